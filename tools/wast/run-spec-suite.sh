#!/usr/bin/env bash
# Runs capsa-wast over every converted spec-test script (see
# fetch-spec-suite.sh) and prints one line per file and the grand total.
#
#   tools/wast/run-spec-suite.sh [-b <capsa-wast>] [-o <log-dir>] [-t <seconds>] [<json-root>] [<name>...]
#
# -b  the capsa-wast binary (default: build-wast/tools/wast/capsa-wast, else build/...)
# -o  where each file's failure lines go as <name>.log (default: <json-root>/../spec-results)
# -t  per-file time limit (default 120)
# <json-root>  default third_party_local/spec-json; <name>... limits the run to those files.
#
# Each file runs in its own process. A file whose run crashes or times out
# counts all its commands as failed; its log ends with the command that was
# running (capsa-wast --trace). Exits 1 if anything failed.
set -uo pipefail

repo_root=$(cd "$(dirname "$0")/../.." && pwd)
bin="" log_dir="" limit=120
while getopts "b:o:t:" opt; do
  case $opt in
    b) bin=$OPTARG ;;
    o) log_dir=$OPTARG ;;
    t) limit=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
json_root=${1:-$repo_root/third_party_local/spec-json}
[[ $# -gt 0 ]] && shift
if [[ -z $bin ]]; then
  for b in "$repo_root/build-wast/tools/wast/capsa-wast" "$repo_root/build/tools/wast/capsa-wast"; do
    [[ -x $b ]] && { bin=$b; break; }
  done
fi
[[ -x $bin ]] || { echo "error: capsa-wast not found; build it or pass -b" >&2; exit 2; }
[[ -d $json_root ]] || { echo "error: $json_root missing; run fetch-spec-suite.sh" >&2; exit 2; }
log_dir=${log_dir:-$(dirname "$json_root")/spec-results}
mkdir -p "$log_dir"

names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  for d in "$json_root"/*/; do names+=("$(basename "$d")"); done
fi

total_p=0 total_f=0 total_s=0 broken=()
for name in "${names[@]}"; do
  json=$json_root/$name/$name.json
  log=$log_dir/$name.log
  timeout "$limit" "$bin" -v --trace "$json" >"$log" 2>"$log_dir/$name.trace"
  rc=$?
  last=$(tail -n 1 "$log")
  if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]] && ((rc < 2)); then
    p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
    printf '%-28s %s\n' "$name" "$last"
  else
    # Crash, timeout or file error: the whole file fails.
    n=$(grep -c '^  {"type": ' "$json")
    p=0 f=$n s=0
    if ((rc == 124)); then why="timed out after ${limit}s"; elif ((rc > 128)); then why="killed by signal $((rc - 128))"; else why="exit $rc"; fi
    at=$(tail -n 1 "$log_dir/$name.trace")
    echo "CRASH: $why at $at" >>"$log"
    printf '%-28s CRASHED (%s) at %s; %d commands counted failed\n' "$name" "$why" "$at" "$n"
    broken+=("$name")
  fi
  total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
done
((${#broken[@]} > 0)) && echo "crashed or timed out: ${broken[*]}"
echo "logs: $log_dir"
echo "$total_p passed, $total_f failed, $total_s skipped"
((total_f == 0))
