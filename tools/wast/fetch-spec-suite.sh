#!/usr/bin/env bash
# Extracts the WebAssembly 2.0 core spec tests (tag wg-2.0) from a local git
# mirror of WebAssembly/spec and converts every non-SIMD .wast with wast2json.
#
#   tools/wast/fetch-spec-suite.sh <mirror-git-dir> [<out-root>]
#
# <mirror-git-dir>  a bare clone of github.com/WebAssembly/spec that has the tag
# <out-root>        default: <repo>/third_party_local (git-ignored). Creates
#                   spec/test/core/*.wast and spec-json/<name>/<name>.json + modules.
#
# Nothing fetched or converted may enter a tracked folder: the output is
# git-ignored on purpose (licensing and size).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 <mirror-git-dir> [<out-root>]" >&2
  exit 2
fi
mirror=$1
repo_root=$(cd "$(dirname "$0")/../.." && pwd)
out_root=${2:-$repo_root/third_party_local}
tag=wg-2.0

command -v wast2json >/dev/null || { echo "error: wast2json not found (apt-get install wabt)" >&2; exit 1; }
git --git-dir="$mirror" rev-parse --verify -q "refs/tags/$tag" >/dev/null ||
  { echo "error: $mirror has no tag $tag" >&2; exit 1; }

spec_dir=$out_root/spec
json_dir=$out_root/spec-json
rm -rf "$spec_dir" "$json_dir"
mkdir -p "$spec_dir" "$json_dir"
git --git-dir="$mirror" archive "$tag" test/core | tar -x -C "$spec_dir"

# wast2json 1.0.32 predates two wg-2.0 syntax details; rewrite them (see NOTES.md).
rewrite() {
  local name=$1 src=$2 dst=$3
  case $name in
    table_*)
      # The table index of table.get/set/size/grow/fill is optional in 2.0;
      # wabt requires it. Insert 0 where no index ($name or number) follows.
      perl -pe 's/\b(table\.(?:get|set|size|grow|fill))(?=\s*[()]|\s*$)/$1 0/g' "$src" >"$dst" ;;
    if)
      perl -pe 's/\(if \(i32\.const 1\) \(i32\.eqz\) \(then\) \(else\)\)/i32.const 1 i32.eqz (if (then) (else))/' \
        "$src" >"$dst" ;;
    *) cp "$src" "$dst" ;;
  esac
}

converted=0 failed=()
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for wast in "$spec_dir"/test/core/*.wast; do
  name=$(basename "$wast" .wast)
  [[ $name == simd_* ]] && continue
  rewrite "$name" "$wast" "$tmp/$name.wast"
  mkdir -p "$json_dir/$name"
  # Run from $tmp so the JSON's source_filename (capsa-wast's failure label) is "<name>.wast".
  if (cd "$tmp" && wast2json "$name.wast" -o "$json_dir/$name/$name.json") 2>"$tmp/$name.err"; then
    converted=$((converted + 1))
  else
    failed+=("$name")
    echo "warning: wast2json failed on $name.wast: $(head -n 1 "$tmp/$name.err")" >&2
    rm -rf "${json_dir:?}/$name"
  fi
done
echo "converted $converted files into $json_dir; wast2json failed on ${#failed[@]}: ${failed[*]:-none}"
