// Golden dlib face descriptors from face-api.js itself, for FaceRecognitionGoldenTest.
//
// Usage (from a scratch folder, never from the repository):
//   cp tools/face-recognition/{package.json,golden_descriptors.mjs} /tmp/fr-ref/ && cd /tmp/fr-ref && npm install
//   node golden_descriptors.mjs <chips dir> <out.json>
//
// face-api.js's FaceRecognitionNet on the tfjs pure-JS CPU backend (tfjs-node's native binary is not used), with
// the weights of its own npm package (node_modules/@vladmandic/face-api/model). Each chip (150x150 RGB PNG) goes
// in as a [150, 150, 3] tensor, so face-api's toBatchTensor neither pads nor resizes it.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

const [chipsDir, outFile] = process.argv.slice(2);
await tf.setBackend('cpu');
await tf.ready();
const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);

const descriptors = {};
for (const file of fs.readdirSync(chipsDir).filter((f) => f.endsWith('.png')).sort()) {
  const png = PNG.sync.read(fs.readFileSync(path.join(chipsDir, file)));
  if (png.width !== 150 || png.height !== 150) throw new Error(`${file}: ${png.width}x${png.height}, not 150x150`);
  const rgb = new Float32Array(150 * 150 * 3);
  for (let i = 0, j = 0; i < png.data.length; i += 4) {
    rgb[j++] = png.data[i]; rgb[j++] = png.data[i + 1]; rgb[j++] = png.data[i + 2];
  }
  const input = tf.tensor3d(rgb, [150, 150, 3], 'float32');
  const d = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(input);
  input.dispose();
  descriptors[file.replace(/\.png$/, '')] = Array.from(d);
}
const out = {
  provenance: {
    tool: 'tools/face-recognition/golden_descriptors.mjs',
    reference: `@vladmandic/face-api@1.7.15 faceRecognitionNet, @tensorflow/tfjs@${tf.version.tfjs}, backend ${tf.getBackend()}`,
    node: process.version,
    input: 'chips/*.png: 150x150 RGB, fed as a [150,150,3] float tensor of 0-255 values',
  },
  descriptors,
};
fs.writeFileSync(outFile, JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${Object.keys(descriptors).length} descriptors to ${outFile} (backend ${tf.getBackend()})`);
