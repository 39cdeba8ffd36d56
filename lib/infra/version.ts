import pkg from "../../package.json";

export const DECKHAND_VERSION: string = pkg.version;
