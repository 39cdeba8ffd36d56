import { describe, expect, it } from "vitest";
import { redirectToDeckhandHost } from "./start-sign-in";

describe("redirectToDeckhandHost", () => {
  it("sends a sign-in started on another address to DECKHAND_URL's host, keeping the path and query", () => {
    expect(redirectToDeckhandHost("http://localhost:3204", "127.0.0.1:3204", "/sign-in?callbackUrl=%2Fregistry", false)).toBe("http://localhost:3204/sign-in?callbackUrl=%2Fregistry&via=host");
  });
  it("leaves a request on the right host alone (host names compare case-insensitively)", () => {
    expect(redirectToDeckhandHost("https://deckhand.example.com", "Deckhand.Example.com", "/sign-in", false)).toBeNull();
  });
  it("never redirects twice: a proxy that rewrites Host must not make a loop", () => {
    expect(redirectToDeckhandHost("https://deckhand.example.com", "10.0.0.5:3000", "/sign-in", true)).toBeNull();
  });
  it("does nothing without a Host header", () => {
    expect(redirectToDeckhandHost("https://deckhand.example.com", null, "/sign-in", false)).toBeNull();
  });
});
