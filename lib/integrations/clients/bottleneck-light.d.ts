// bottleneck's light build (what @octokit/plugin-throttling itself uses: no Redis clustering) has the full build's API.
declare module "bottleneck/light.js" {
  import Bottleneck from "bottleneck";
  export default Bottleneck;
}
