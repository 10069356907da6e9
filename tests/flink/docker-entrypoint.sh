#!/usr/bin/env bash
# The official Flink image's entrypoint (apache/flink-docker), written for the real-Flink test
# from its documented behaviour, not copied from it:
# - JOB_MANAGER_RPC_ADDRESS defaults to `hostname -f`, the pod's own name;
# - ENABLE_BUILT_IN_PLUGINS (`a.jar;b.jar`) links each jar from opt/ into plugins/<name>/, and a
#   jar that is not there ends the container;
# - before every command it sets jobmanager.rpc.address, blob.server.port 6124 and
#   query.server.port 6125 (and taskmanager.numberOfTaskSlots from
#   TASK_MANAGER_NUMBER_OF_TASK_SLOTS), then every `key: value` line of FLINK_PROPERTIES with its
#   whitespace stripped. Images from 1.19 on do this with Flink's bin/config-parser-utils.sh,
#   which re-serializes the whole file; 1.17 and 1.18 images edit flink-conf.yaml with sed.
#   Either write fails on a read-only conf folder, and the file stays as mounted;
# - `jobmanager`, `standalone-job`, `taskmanager` and `history-server` run
#   bin/<script>.sh start-foreground with the remaining arguments; anything else runs as is.
JOB_MANAGER_RPC_ADDRESS=${JOB_MANAGER_RPC_ADDRESS:-$(hostname -f)}
conf_dir="$FLINK_HOME/conf"

if [ -n "$ENABLE_BUILT_IN_PLUGINS" ]; then
  for jar in $(echo "$ENABLE_BUILT_IN_PLUGINS" | tr ';' ' '); do
    name=${jar%.jar}
    mkdir -p "$FLINK_HOME/plugins/$name"
    if [ ! -e "$FLINK_HOME/opt/$jar" ]; then
      echo "Plugin $jar does not exist. Exiting."
      exit 1
    fi
    ln -fs "$FLINK_HOME/opt/$jar" "$FLINK_HOME/plugins/$name"
  done
fi

settings=(jobmanager.rpc.address "$JOB_MANAGER_RPC_ADDRESS" blob.server.port 6124 query.server.port 6125)
if [ -n "$TASK_MANAGER_NUMBER_OF_TASK_SLOTS" ]; then
  settings+=(taskmanager.numberOfTaskSlots "$TASK_MANAGER_NUMBER_OF_TASK_SLOTS")
fi
if [ -n "$FLINK_PROPERTIES" ]; then
  while IFS= read -r line; do
    line=$(printf '%s' "$line" | tr -d '[:space:]')
    [ -n "$line" ] || continue
    settings+=("${line%%:*}" "$(printf '%s' "${line#*:}" | envsubst)")
  done <<< "$FLINK_PROPERTIES"
fi

if [ -x "$FLINK_HOME/bin/config-parser-utils.sh" ]; then
  dynamic=()
  set_args=("${settings[@]}")
  while [ ${#set_args[@]} -gt 0 ]; do
    dynamic+=("-D${set_args[0]}=${set_args[1]}")
    set_args=("${set_args[@]:2}")
  done
  "$FLINK_HOME/bin/config-parser-utils.sh" "$conf_dir" "$FLINK_HOME/bin" "$FLINK_HOME/lib" "${dynamic[@]}"
else
  conf_file="$conf_dir/flink-conf.yaml"
  set_args=("${settings[@]}")
  while [ ${#set_args[@]} -gt 0 ]; do
    key=${set_args[0]} value=${set_args[1]}
    set_args=("${set_args[@]:2}")
    escaped=$(printf '%s' "$key" | sed -e 's/\./\\./g')
    if grep -E "^${escaped}:" "$conf_file" > /dev/null; then
      sed -i -e "s/^${escaped}:.*/${key}: ${value}/" "$conf_file"
    else
      echo "${key}: ${value}" >> "$conf_file"
    fi
  done
fi

case "$1" in
  jobmanager) shift; exec "$FLINK_HOME/bin/jobmanager.sh" start-foreground "$@" ;;
  standalone-job) shift; exec "$FLINK_HOME/bin/standalone-job.sh" start-foreground "$@" ;;
  taskmanager) shift; exec "$FLINK_HOME/bin/taskmanager.sh" start-foreground "$@" ;;
  history-server) shift; exec "$FLINK_HOME/bin/historyserver.sh" start-foreground "$@" ;;
  help) echo "Usage: $(basename "$0") (jobmanager|standalone-job|taskmanager|history-server)"; exit 0 ;;
esac
exec "$@"
