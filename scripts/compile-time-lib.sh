# Shared by scripts/build-time and scripts/bench-compile-time (sourced, not run).

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

# secpkg's default features without `cli`, one per line: what the library builds with by default.
library_features() { # workspace-dir
    cargo metadata --manifest-path "$1/Cargo.toml" --no-deps --format-version 1 | python3 -c '
import json, sys
pkg = next(p for p in json.load(sys.stdin)["packages"] if p["name"] == "secpkg")
for feature in pkg["features"].get("default", []):
    if feature != "cli" and not feature.startswith("dep:"):
        print(feature)
'
}
