# Shared by scripts/build-time and scripts/bench-compile-time (sourced, not run).

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
