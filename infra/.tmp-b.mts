import { bundleFunctions } from './bundle-functions.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
const t = Date.now();
const b = await bundleFunctions({ policy: loadPolicy(), outDir: '/tmp/b6out' });
console.log(Date.now() - t, 'ms', [...b.values()].map(x => [x.spec.name, x.bytes]));
