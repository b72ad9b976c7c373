// Every subpath the package exports imports on this runtime, and each has what it names.
import assert from "node:assert/strict";
const subpaths = {
  "@oicm/tracking": ["TrackingClient", "tracked", "TrackingError"],
  "@oicm/tracking/testing": ["FakeMlflowServer"],
  "@oicm/tracking/cli": ["main", "table", "printable"],
  "@oicm/tracking/tfjs": ["autolog", "trackingCallback"],
  "@oicm/tracking/onnx": ["OnnxEvaluator"],
};
for (const [path, names] of Object.entries(subpaths)) {
  const mod = await import(path);
  for (const name of names) assert.equal(typeof mod[name], "function", `${path} exports ${name}`);
}
console.log("imports ok:", Object.keys(subpaths).join(" "));
