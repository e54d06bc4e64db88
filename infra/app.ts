import { buildApp } from './build-app.js';

/** The CDK app (`cdk.json` → `npx tsx infra/app.ts`); see `build-app.ts`. */
const { app } = await buildApp();
app.synth();
