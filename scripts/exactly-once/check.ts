/**
 * `npm run check:exactly-once`: the exactly-once checker from the command line (`--help`).
 * Exits 0 without violations, 1 with any, 2 when the run itself failed.
 */
import { parseCheckOptions, USAGE } from './options';
import { printReport } from './report';
import { runExactlyOnceCheck } from './run';

function optionsOrExit() {
  try {
    return parseCheckOptions(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const options = optionsOrExit();
if (options === 'help') {
  console.log(USAGE);
} else {
  console.log(`[check] ${JSON.stringify(options)}`);
  runExactlyOnceCheck({ ...options, log: (line) => console.log(`[check] ${line}`) })
    .then((report) => {
      printReport(report);
      process.exit(report.violations.length === 0 ? 0 : 1);
    })
    .catch((error: Error) => {
      console.error(error);
      process.exit(2);
    });
}
