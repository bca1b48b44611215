/** `npm run openapi`: regenerates openapi/openapi.json from the schemas. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openApiJson } from '../openapi/document';

const target = path.resolve(__dirname, '../openapi/openapi.json');
writeFileSync(target, openApiJson());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
