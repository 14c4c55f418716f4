#!/bin/sh
# The container's entry point: wait for the database (DB_WAIT_S seconds, default 60), then run
# `partnerbot ARGS` (default: serve). `serve` migrates by itself; docker-compose.yml runs
# `db upgrade` once in its `migrate` service before the replicas start. Anything that is not a
# partnerbot command (e.g. `sh`) is run as given.
set -eu

if [ "$#" -eq 0 ]; then
  set -- serve
fi

case "$1" in
  serve|db|jobs|digest|import-partners|export-partners|match)
    python -m bot.operations.waitdb
    exec partnerbot "$@"
    ;;
  demo|--help|-h)
    exec partnerbot "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
