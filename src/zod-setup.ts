// Imported first by the CLI's entry, before any schema is built: zod compiles each object schema's
// parser with `new Function` on its first parse (JIT), which a run that parses each schema a few times
// pays for and never earns back.
import * as z from 'zod';

z.config({ jitless: true });
