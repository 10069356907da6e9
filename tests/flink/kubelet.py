"""Runs flinkform's generated pods with real Flink processes, as the kubelet and the official
Flink image would, and checks that the job runs (tests/tier_flink/flink.rs drives it).

Must run as root inside fresh network and mount namespaces (`unshare --net --mount`): every
namespace, mount and interface it makes dies with it, and nothing of the machine changes.

A cluster here is:
- a bridge with one address per pod; each pod gets its own network namespace on it, its own
  hostname (Deployment name + a suffix, as a ReplicaSet names pods), and an /etc/hosts in which
  every Service name resolves to the pods its selector picks (a ClusterIP Service to its one
  JobManager, a headless Service to every pod), as cluster DNS would answer;
- per container, a root made of the machine's /usr, /etc, ... (read-only), the image's
  /opt/flink (the Flink distribution with the official image's edits to its conf folder and the
  job jar at the jarURI) as a copy-on-write overlay, /docker-entrypoint.sh (our script of the
  image's entrypoint), and the pod's volumes at their mountPaths: ConfigMap volumes read-only,
  as the kubelet mounts them, emptyDirs shared by the pod's containers;
- init containers run first, in order, and must succeed; then the container runs as the
  pod's user, with the pod's environment (`$(VAR)` references and the downward API resolved),
  the image's ENTRYPOINT unless `command` is set, and `args`.

Nothing of the generated configuration is changed.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile

import yaml

FLINK_HOME = "/opt/flink"
STARTED = time.monotonic()
IMAGE_ENV = {
    "FLINK_HOME": FLINK_HOME,
    "PATH": f"{FLINK_HOME}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
}
ROOT_DIRS = ["usr", "etc", "lib", "lib64", "bin", "sbin"]
FILESYSTEM_PLUGINS = ["flink-s3-fs-presto", "flink-s3-fs-hadoop", "flink-gs-fs-hadoop",
                      "flink-azure-fs-hadoop", "flink-oss-fs-hadoop"]


def log(msg):
    print(f"[kubelet {time.monotonic() - STARTED:5.1f}s] {msg}", flush=True)


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


class Failure(Exception):
    pass


def expand(text, env):
    """The kubelet's `$(VAR)` rule for args, command and env values: `$$` is a literal `$`,
    `$(NAME)` is NAME's value where NAME is defined and stays as written where it is not, and
    any other `$` is itself."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "$" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "(":
                end = text.find(")", i + 2)
                if end != -1:
                    name = text[i + 2:end]
                    out.append(env[name] if name in env else text[i:end + 1])
                    i = end + 1
                    continue
        out.append(text[i])
        i += 1
    return "".join(out)


def labels_match(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


class Image:
    """The job image: the official Flink image (the distribution, its conf folder as the
    image's Dockerfile leaves it, owned by the `flink` user) with the job jar added as one
    more layer, as `COPY job.jar /opt/flink/usrlib/` would."""

    def __init__(self, work, dist, cache, jar_path, jar, entrypoint):
        self.base = self.flink_image(dist, cache)
        layer = os.path.join(work, "image-layer")
        assert jar_path.startswith(FLINK_HOME + "/"), jar_path
        dest = os.path.join(layer, jar_path[len(FLINK_HOME) + 1:])
        os.makedirs(os.path.dirname(dest))
        shutil.copy(jar, dest)
        sh("chown", "-R", "9999:9999", layer)
        self.layers = f"{layer}:{self.base}"
        self.entrypoint = entrypoint

    @staticmethod
    def flink_image(dist, cache):
        """The official image's /opt/flink, made once per distribution."""
        flink = os.path.join(cache, "image2-" + os.path.basename(dist.rstrip("/")))
        if os.path.exists(os.path.join(flink, ".complete")):
            return flink
        shutil.rmtree(flink, ignore_errors=True)
        sh("cp", "-a", dist, flink)
        # The Dockerfile makes the REST and RPC endpoints listen on the container's interface
        # and drops taskmanager.host: localhost from the conf folder.
        conf = os.path.join(flink, "conf")
        parser = os.path.join(flink, "bin", "config-parser-utils.sh")
        if os.path.exists(parser):
            sh("bash", parser, conf, os.path.join(flink, "bin"), os.path.join(flink, "lib"),
               "-repKV", "rest.address,localhost,0.0.0.0",
               "-repKV", "rest.bind-address,localhost,0.0.0.0",
               "-repKV", "jobmanager.bind-host,localhost,0.0.0.0",
               "-repKV", "taskmanager.bind-host,localhost,0.0.0.0",
               "-rmKV", "taskmanager.host=localhost", stdout=subprocess.DEVNULL)
        else:
            path = os.path.join(conf, "flink-conf.yaml")
            text = open(path).read()
            for key in ["rest.address", "rest.bind-address", "jobmanager.bind-host",
                        "taskmanager.bind-host"]:
                text = re.sub(rf"(?m)^{re.escape(key)}: localhost$", f"{key}: 0.0.0.0", text)
            text = re.sub(r"(?m)^taskmanager.host: localhost\n", "", text)
            open(path, "w").write(text)
        # The image's opt/ holds the filesystem plugins, named with the release
        # (flink-s3-fs-presto-1.20.1.jar); PyPI's distribution has none, so each gets a jar of
        # that name (empty: the tests that need one never reach a bucket).
        version = os.path.basename(dist.rstrip("/")).removeprefix("flink-")
        for plugin in FILESYSTEM_PLUGINS:
            with zipfile.ZipFile(os.path.join(flink, "opt", f"{plugin}-{version}.jar"), "w") as jar:
                jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        sh("chown", "-R", "9999:9999", flink)
        open(os.path.join(flink, ".complete"), "w").close()
        return flink


class Pod:
    def __init__(self, cluster, deployment, index):
        self.cluster = cluster
        self.deployment = deployment
        meta = deployment["metadata"]
        self.namespace = meta.get("namespace", "default")
        template = deployment["spec"]["template"]
        self.labels = template["metadata"].get("labels", {})
        self.spec = template["spec"]
        suffix = f"{index:05d}"[-5:]
        self.name = f"{meta['name']}-7f9c{index % 10}bd8c-x{suffix[-4:]}"[:63]
        self.ip = cluster.next_ip()
        self.dir = os.path.join(cluster.work, "pods", self.name)
        self.netns = f"pod{cluster.pod_count}"
        self.processes = []
        self.logs = {}

    # -- setup ---------------------------------------------------------------------------
    def volumes(self):
        """Materialises the pod's volumes: name -> (host path, read-only by nature)."""
        out = {}
        for volume in self.spec.get("volumes", []):
            path = os.path.join(self.dir, "volumes", volume["name"])
            os.makedirs(path)
            if "configMap" in volume:
                cm = self.cluster.object("ConfigMap", self.namespace, volume["configMap"]["name"])
                items = volume["configMap"].get("items")
                data = cm.get("data", {})
                pairs = [(i["key"], i["path"]) for i in items] if items else [(k, k) for k in data]
                for key, rel in pairs:
                    with open(os.path.join(path, rel), "w") as f:
                        f.write(data[key])
                    os.chmod(os.path.join(path, rel), 0o644)
                out[volume["name"]] = (path, True)
            elif "emptyDir" in volume:
                fs_group = self.spec.get("securityContext", {}).get("fsGroup")
                if fs_group is not None:
                    os.chown(path, 0, fs_group)
                    os.chmod(path, 0o2777)
                else:
                    os.chmod(path, 0o777)
                out[volume["name"]] = (path, False)
            else:
                raise Failure(f"volume kind not emulated: {volume}")
        return out

    def network(self):
        c = self.cluster
        sh("ip", "netns", "add", self.netns)
        host_if = f"veth{c.pod_count}"
        sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", "eth0", "netns", self.netns)
        sh("ip", "link", "set", host_if, "master", "br0", "up")
        for cmd in (["ip", "addr", "add", f"{self.ip}/24", "dev", "eth0"],
                    ["ip", "link", "set", "eth0", "up"],
                    ["ip", "link", "set", "lo", "up"],
                    ["ip", "route", "add", "default", "via", c.gateway]):
            sh("ip", "netns", "exec", self.netns, *cmd)

    def hosts_file(self):
        lines = ["127.0.0.1\tlocalhost", f"{self.ip}\t{self.name}"]
        for svc in self.cluster.services():
            ns = svc["metadata"].get("namespace", "default")
            name = svc["metadata"]["name"]
            selector = svc["spec"].get("selector", {})
            names = f"{name} {name}.{ns} {name}.{ns}.svc {name}.{ns}.svc.cluster.local"
            for pod in self.cluster.pods:
                if pod.namespace == ns and labels_match(selector, pod.labels):
                    lines.append(f"{pod.ip}\t{names}")
        path = os.path.join(self.dir, "hosts")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def environment(self, container):
        env = dict(IMAGE_ENV)
        env["HOSTNAME"] = self.name
        for source in container.get("envFrom", []):
            raise Failure(f"envFrom not emulated: {source}")
        for item in container.get("env", []):
            if "value" in item:
                value = expand(item["value"], env)
            else:
                field = item["valueFrom"]["fieldRef"]["fieldPath"]
                value = {"status.podIP": self.ip, "metadata.name": self.name,
                         "metadata.namespace": self.namespace}[field]
            env[item["name"]] = value
        return env

    def root_script(self, container, volumes, hosts):
        """The shell lines that make the container's root and mounts, run in its namespaces."""
        cdir = os.path.join(self.dir, "containers", container["name"])
        root = os.path.join(cdir, "root")
        upper, workdir = os.path.join(cdir, "upper"), os.path.join(cdir, "work")
        for d in (root, upper, workdir):
            os.makedirs(d, exist_ok=True)
        # overlayfs takes the merged root's owner from the upper folder: keep the image's,
        # where /opt/flink belongs to the flink user.
        st = os.stat(self.cluster.image.base)
        os.chown(upper, st.st_uid, st.st_gid)
        image = self.cluster.image
        lines = [
            "set -e",
            f"mount -t tmpfs -o mode=755 tmpfs {root}",
        ]
        for d in ROOT_DIRS:
            if os.path.exists("/" + d) and not os.path.islink("/" + d):
                lines += [f"mkdir -p {root}/{d}", f"mount --rbind /{d} {root}/{d}",
                          f"mount -o remount,bind,ro {root}/{d}"]
            elif os.path.islink("/" + d):
                lines.append(f"ln -s {os.readlink('/' + d)} {root}/{d}")
        lines += [
            f"mkdir -p {root}/proc {root}/dev {root}/sys {root}/tmp {root}/opt/flink {root}/run",
            f"mount --rbind /proc {root}/proc",
            f"mount --rbind /dev {root}/dev",
            f"mount --rbind /sys {root}/sys",
            f"mount -t tmpfs -o mode=1777 tmpfs {root}/tmp",
            f"mount -t overlay overlay -o lowerdir={image.layers},upperdir={upper},workdir={workdir} {root}/opt/flink",
            f"touch {root}/docker-entrypoint.sh",
            f"mount --bind {image.entrypoint} {root}/docker-entrypoint.sh",
            f"mount --bind {hosts} {root}/etc/hosts",
            f"hostname {self.name}",
        ]
        for mount in container.get("volumeMounts", []):
            src, always_ro = volumes[mount["name"]]
            if "subPath" in mount:
                raise Failure("subPath not emulated")
            target = root + mount["mountPath"]
            lines += [f"mkdir -p {target}", f"mount --bind {src} {target}"]
            if always_ro or mount.get("readOnly"):
                lines.append(f"mount -o remount,bind,ro {target}")
        return root, lines

    def run_container(self, container, volumes, hosts, wait):
        root, lines = self.root_script(container, volumes, hosts)
        security = dict(self.spec.get("securityContext", {}))
        security.update(container.get("securityContext", {}))
        uid = security.get("runAsUser", 9999)
        gid = security.get("runAsGroup", uid)
        groups = [str(security["fsGroup"])] if "fsGroup" in security else []
        env = self.environment(container)
        if container.get("command"):
            argv = [expand(a, env) for a in container["command"] + container.get("args", [])]
        else:
            argv = ["/docker-entrypoint.sh"] + [expand(a, env) for a in container.get("args", ["help"])]
        quoted = " ".join(sh_quote(a) for a in argv)
        group_arg = f"--groups={','.join(groups)}" if groups else "--clear-groups"
        lines.append(
            f"exec chroot {root} setpriv --reuid={uid} --regid={gid} {group_arg} "
            f"--no-new-privs sh -c 'cd {FLINK_HOME} && exec \"$@\"' container {quoted}"
        )
        script = "\n".join(lines)
        log_path = os.path.join(self.dir, f"{container['name']}.log")
        self.logs[container["name"]] = log_path
        out = open(log_path, "w")
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.netns, "unshare", "--mount", "--uts",
             "--propagation", "private", "bash", "-c", script],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        if wait:
            code = proc.wait(timeout=120)
            if code != 0:
                raise Failure(f"init container {container['name']} of {self.name} exited {code}:\n"
                              + tail(log_path, 40))
        else:
            self.processes.append(proc)
            self.cluster.processes.append(proc)
        return proc

    def prepare(self):
        """The pod's volumes, network and hosts file, and its init containers run to the end:
        what is there when its containers start."""
        os.makedirs(self.dir)
        volumes = self.volumes()
        self.network()
        hosts = self.hosts_file()
        for init in self.spec.get("initContainers", []):
            self.run_container(init, volumes, hosts, wait=True)
        return volumes, hosts

    def start(self):
        log(f"starting pod {self.name} ({self.ip})")
        volumes, hosts = self.prepare()
        for container in self.spec["containers"]:
            self.run_container(container, volumes, hosts, wait=False)

    def stop(self):
        """As the kubelet deletes a pod: SIGTERM, then SIGKILL after the grace period."""
        for proc in self.processes:
            stop_process(proc, grace=30)

    def alive(self):
        return all(p.poll() is None for p in self.processes)


def sh_quote(arg):
    return "'" + arg.replace("'", "'\"'\"'") + "'"


def stop_process(proc, grace):
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def tail(path, n):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError as e:
        return f"({e})"


class Cluster:
    def __init__(self, work, objects, image):
        self.work = work
        self.objects = objects
        self.image = image
        self.pods = []
        self.processes = []
        self.pod_count = 0
        self.gateway = "10.244.0.1"
        os.makedirs("/run/netns", exist_ok=True)
        sh("mount", "-t", "tmpfs", "tmpfs", "/run/netns")
        sh("ip", "link", "set", "lo", "up")
        sh("ip", "link", "add", "br0", "type", "bridge")
        sh("ip", "addr", "add", f"{self.gateway}/24", "dev", "br0")
        sh("ip", "link", "set", "br0", "up")

    def next_ip(self):
        self.pod_count += 1
        return f"10.244.0.{self.pod_count + 1}"

    def object(self, kind, namespace, name):
        for o in self.objects:
            if (o["kind"] == kind and o["metadata"]["name"] == name
                    and o["metadata"].get("namespace", "default") == namespace):
                return o
        raise Failure(f"{kind} {namespace}/{name} is referenced but not emitted")

    def of_kind(self, kind):
        return [o for o in self.objects if o["kind"] == kind]

    def services(self):
        return self.of_kind("Service")

    def start_pod(self, deployment, index):
        pod = Pod(self, deployment, index)
        self.pods.append(pod)
        pod.start()
        return pod

    def stop_pod(self, pod):
        log(f"deleting pod {pod.name}")
        pod.stop()
        self.pods.remove(pod)

    def shutdown(self):
        for proc in self.processes:
            stop_process(proc, grace=10)

    def dump_logs(self, lines=40):
        """The last lines each container printed (Flink logs to the console in the foreground)."""
        for pod in self.pods:
            for name, path in pod.logs.items():
                with open(path, errors="replace") as f:
                    errors = [l for l in f if "ERROR" in l or l.startswith("Caused by")][:12]
                if errors:
                    print(f"----- errors of {pod.name}/{name}")
                    print("".join(errors))
                print(f"----- last lines of {pod.name}/{name} ({path})")
                print(tail(path, lines))


# -- the checks -----------------------------------------------------------------------------
def get(url, timeout=3):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def get_json(url):
    return json.loads(get(url))


def wait_for(what, predicate, timeout, pods=()):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        for pod in pods:
            if not pod.alive():
                raise Failure(f"pod {pod.name} exited while waiting for {what}")
        try:
            result = predicate()
            if result:
                return result
            last = None
        except Exception as e:  # not up yet
            last = e
        time.sleep(0.5)
    raise Failure(f"timed out after {timeout} s waiting for {what}" + (f" (last error: {last})" if last else ""))


def component(objects, kind, name):
    found = [o for o in objects if o["kind"] == kind
             and o["metadata"]["labels"].get("app.kubernetes.io/component") == name]
    if len(found) != 1:
        raise Failure(f"expected one {kind} of component {name}, found {len(found)}")
    return found[0]


def check_logging(objects, tms, tm_deploy):
    """With `logging`, Flink logs at the levels it gives: at INFO only the loggers it raises
    to INFO (or lower), and those do log."""
    props = next((o["data"]["log4j-console.properties"] for o in objects if o["kind"] == "ConfigMap"
                  and "log4j-console.properties" in o.get("data", {})), None)
    if props is None:
        return
    settings = dict(re.findall(r"(?m)^([\w.]+) = (.*)$", props))
    if settings.get("rootLogger.level") not in ("WARN", "ERROR", "OFF"):
        return
    chatty = [settings[k.replace(".level", ".name")] for k, v in settings.items()
              if k.startswith("logger.") and k.endswith(".level") and v in ("INFO", "DEBUG", "TRACE")]
    container = tm_deploy["spec"]["template"]["spec"]["containers"][0]["name"]
    for tm in tms:
        text = open(tm.logs[container], errors="replace").read()
        info = re.findall(r"(?m)^\S+ \S+ INFO\s+(\S+)", text)
        stray = sorted({l for l in info if not any(l.startswith(c) for c in chatty)})
        if stray:
            raise Failure(f"the root level is {settings['rootLogger.level']}, but {tm.name} logs INFO from {stray[:5]}")
        if chatty and not info:
            raise Failure(f"{tm.name} logs nothing at INFO from {chatty}, which `logging` raises to INFO")
    log(f"logging: root {settings['rootLogger.level']}, INFO only from {chatty}")


def expected_job_names(objects):
    """The job_name values that the HPA selectors, adapter rules and KEDA queries select."""
    names = set()
    for hpa in [o for o in objects if o["kind"] == "HorizontalPodAutoscaler"]:
        for metric in hpa["spec"].get("metrics", []):
            if metric["type"] == "External":
                sel = metric["external"]["metric"].get("selector", {}).get("matchLabels", {})
                if "job_name" in sel:
                    names.add(sel["job_name"])
    for so in [o for o in objects if o["kind"] == "ScaledObject"]:
        for trigger in so["spec"].get("triggers", []):
            if trigger["type"] == "prometheus":
                names.update(re.findall(r'job_name="([^"]*)"', trigger["metadata"]["query"]))
    return names


def flatten(tree, prefix=""):
    out = {}
    for key, value in (tree or {}).items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def check_plugins(volumes, config):
    """Every state URI whose scheme needs a filesystem plugin finds the image's jar linked into
    the plugins folder, whatever the release in its name."""
    schemes = {"s3": "flink-s3-fs-presto", "s3p": "flink-s3-fs-presto", "s3a": "flink-s3-fs-hadoop",
               "gs": "flink-gs-fs-hadoop", "abfs": "flink-azure-fs-hadoop", "abfss": "flink-azure-fs-hadoop",
               "oss": "flink-oss-fs-hadoop"}
    uris = [str(v) for k, v in config.items()
            if k in ("high-availability.storageDir", "state.checkpoints.dir", "state.savepoints.dir",
                     "execution.checkpointing.dir", "execution.checkpointing.savepoint-dir")]
    needed = {schemes[u.split("://")[0]] for u in uris if u.split("://")[0] in schemes}
    for plugin in sorted(needed):
        if "flink-plugins" not in volumes:
            raise Failure(f"{plugin} is needed, but the pod has no plugins folder")
        folder = os.path.join(volumes["flink-plugins"][0], plugin)
        links = os.listdir(folder) if os.path.isdir(folder) else []
        if len(links) != 1 or not os.readlink(os.path.join(folder, links[0])).startswith(f"{FLINK_HOME}/opt/{plugin}-"):
            raise Failure(f"the plugins folder has no link to the image's {plugin} jar: {links}")
        log(f"plugin {plugin}: {links[0]} -> {os.readlink(os.path.join(folder, links[0]))}")
    return needed


def check_ha(args, objects):
    """Kubernetes HA needs an API server this machine does not have: instead, the JobManager
    pod's init containers run, and Flink's own loader reads the configuration the Flink
    container would get; the HA settings and the JobManager's arguments must be what Flink
    expects."""
    jm_deploy = component(objects, "Deployment", "jobmanager")
    image = Image(args.work, args.flink, args.image_cache, args.jar_path, args.jar, args.entrypoint)
    cluster = Cluster(args.work, objects, image)
    pod = Pod(cluster, jm_deploy, 0)
    cluster.pods.append(pod)
    volumes, hosts = pod.prepare()
    flink = pod.spec["containers"][0]
    # What every Flink script does first: bin/config.sh loads the configuration with Flink's
    # own loader into YAML_CONF, flat `key: value` lines.
    loader = dict(flink, name="flink-config-loader", command=["bash", "-c",
                  '. /opt/flink/bin/config.sh && printf "%s\\n" "$YAML_CONF"',
                  # config.sh finds Flink from $0, as if a script of bin/ sourced it
                  "/opt/flink/bin/print-config"], args=[])
    pod.run_container(loader, volumes, hosts, wait=True)
    text = open(pod.logs["flink-config-loader"], errors="replace").read()
    try:
        config = flatten(yaml.safe_load(text))
    except yaml.YAMLError as e:
        raise Failure(f"Flink's loader printed no configuration ({e}):\n{text[-2000:]}")
    check_plugins(volumes, config)
    namespace = jm_deploy["metadata"].get("namespace", "default")
    expect = {"high-availability.type": "kubernetes", "kubernetes.namespace": namespace}
    for key, value in expect.items():
        if config.get(key) != value:
            raise Failure(f"Flink reads {key} = {config.get(key)!r}, expected {value!r}")
    for key in ("high-availability.storageDir", "kubernetes.cluster-id"):
        if not config.get(key):
            raise Failure(f"Flink reads no {key}")
    cluster_id = str(config["kubernetes.cluster-id"])
    if len(cluster_id) > 45 or not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", cluster_id):
        raise Failure(f"kubernetes.cluster-id {cluster_id!r} is not a name Flink accepts")
    env = pod.environment(flink)
    argv = [expand(a, env) for a in flink.get("args", [])]
    if argv[:1] != ["standalone-job"] or "--host" not in argv or argv[argv.index("--host") + 1] != pod.ip:
        raise Failure(f"the JobManager does not publish its pod IP as its address: {argv}")
    if "--job-id" not in argv or not re.fullmatch(r"[0-9a-f]{32}", argv[argv.index("--job-id") + 1]):
        raise Failure(f"the JobManager has no fixed 32-digit job id: {argv}")
    accounts = {o["metadata"]["name"] for o in objects if o["kind"] == "ServiceAccount"}
    if pod.spec.get("serviceAccountName") not in accounts:
        raise Failure("the JobManager does not run as the ServiceAccount the Role is bound to")
    log(f"Flink reads high availability on Kubernetes, cluster id {cluster_id}, in {namespace};"
        f" the JobManager publishes {pod.ip} under job id {argv[argv.index('--job-id') + 1]}")
    print("REAL-FLINK-OK", flush=True)


def check_cancel_keeps_state(rest, jid, jm, latest_checkpoint_file):
    """A job cancelled anyway does not start over. Flink's REST API cancels whatever
    `web.cancel.enable` says (the option only hides the web UI's button), so what protects
    the state is the rest of the configuration: the cancelled job's checkpoint is retained,
    and the JobManager stays up with the job's final state instead of exiting, which would
    make the Deployment start the job again from nothing."""
    features = get_json(f"{rest}/config").get("features", {})
    if features.get("web-cancel") is not False:
        raise Failure(f"the web UI offers to cancel the job: {features}")
    retained = latest_checkpoint_file()
    request = urllib.request.Request(f"{rest}/jobs/{jid}?mode=cancel", method="PATCH")
    with urllib.request.urlopen(request, timeout=10) as r:
        r.read()
    wait_for("the job to be CANCELED", lambda: get_json(f"{rest}/jobs/{jid}")["state"] == "CANCELED", 60)
    time.sleep(5)
    if not jm.alive():
        raise Failure("the JobManager exited after its job was cancelled: the Deployment would start the job again")
    if get_json(f"{rest}/jobs/{jid}")["state"] != "CANCELED":
        raise Failure("the cancelled job ran again")
    if retained and not os.path.exists(retained):
        raise Failure(f"the cancelled job's checkpoint {retained} was deleted")
    log("the web UI offers no cancel; a cancel through REST leaves the JobManager up with the job"
        " CANCELED" + (f" and its checkpoint {retained} retained" if retained else ""))


def check_promql(args, tms, port, namespace):
    """Debian's Prometheus scrapes the TaskManager as a PodMonitor would (with the pod's
    namespace as a label), and evaluates flinkform's busy-time PromQL: the job's source is
    saturated and its sink idle, so the busiest task reads near 1000 ms/s, where the average
    over every subtask reads near half of it."""
    work = os.path.join(args.work, "prometheus")
    os.makedirs(work, exist_ok=True)
    config = os.path.join(work, "prometheus.yml")
    targets = ", ".join(f'"{tm.ip}:{port}"' for tm in tms)
    with open(config, "w") as f:
        f.write("global: {scrape_interval: 1s}\n"
                "scrape_configs:\n"
                "  - job_name: flink\n"
                f"    static_configs: [{{targets: [{targets}], labels: {{namespace: \"{namespace}\"}}}}]\n")
    log_file = open(os.path.join(work, "log"), "w")
    proc = subprocess.Popen([args.prometheus, f"--config.file={config}",
                             f"--storage.tsdb.path={work}/data", "--web.listen-address=127.0.0.1:9090"],
                            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def query(q):
            url = "http://127.0.0.1:9090/api/v1/query?query=" + urllib.parse.quote(q)
            result = get_json(url)["data"]["result"]
            return float(result[0]["value"][1]) if result else None

        series = "flink_taskmanager_job_task_busyTimeMsPerSecond"
        selector = f'{series}{{job_name="{args.prometheus_job_name}",namespace="{namespace}"}}'
        # Enough scrapes that every subtask has reported.
        wait_for("Prometheus to scrape the busy time of both of the job's tasks",
                 lambda: (query(f"count(count by (task_id) ({selector}))") or 0) >= 2, 60)
        time.sleep(5)
        busiest = query(args.promql)
        average = query(f"avg({selector})")
        if busiest is None or average is None:
            raise Failure(f"the PromQL selects nothing: {args.promql}")
        log(f"busy time: flinkform's query reads {busiest:.0f} ms/s, the average over subtasks {average:.0f}")
        if busiest < 900:
            raise Failure(f"the busy-time query reads {busiest} for a saturated source: {args.promql}")
        if average > 750:
            raise Failure(f"the test job's sink is not idle (average {average}): the check proves nothing")
    finally:
        stop_process(proc, grace=10)


def check_max_parallelism(rest, jid, config):
    """The key groups Flink splits the state into are the ones flinkform reasons about (its
    state-loss analysis and its configuration hash): `pipeline.max-parallelism` when the job
    sets it, else derived from `parallelism.default`, in reactive mode too, although reactive
    mode then runs the job with the slots it gets."""
    if "pipeline.max-parallelism" in config:
        expected = int(config["pipeline.max-parallelism"])
    else:
        p = int(config["parallelism.default"])
        # KeyGroupRangeAssignment's default, stated independently of flinkform's code.
        expected = min(max(1 << (p + p // 2 - 1).bit_length(), 128), 32768)
    got = {v["maxParallelism"] for v in get_json(f"{rest}/jobs/{jid}")["vertices"]}
    if got != {expected}:
        raise Failure(f"Flink runs the job with maximum parallelism {sorted(got)}, flinkform expects {expected}")
    log(f"maximum parallelism {expected}, as flinkform derives it")


def run(args):
    objects = [o for o in yaml.safe_load_all(open(args.manifests)) if o]
    if args.check_ha:
        return check_ha(args, objects)
    jm_deploy = component(objects, "Deployment", "jobmanager")
    tm_deploy = component(objects, "Deployment", "taskmanager")
    jm_service_name = None
    not_headless = None
    for svc in [o for o in objects if o["kind"] == "Service"]:
        if labels_match(svc["spec"].get("selector", {}), jm_deploy["spec"]["template"]["metadata"]["labels"]):
            jm_service_name = svc["metadata"]["name"]
        if labels_match(svc["spec"].get("selector", {}), tm_deploy["spec"]["template"]["metadata"]["labels"]):
            if svc["spec"].get("clusterIP") != "None":
                not_headless = (f"the TaskManager metrics Service {svc['metadata']['name']} is not"
                                " headless: a scrape through it lands on one random TaskManager")
    if jm_service_name is None:
        raise Failure("no Service selects the JobManager")
    slots = None
    has_durable_checkpoints = False
    image = Image(args.work, args.flink, args.image_cache, args.jar_path, args.jar, args.entrypoint)
    cluster = Cluster(args.work, objects, image)
    try:
        jm = cluster.start_pod(jm_deploy, 0)
        rest = f"http://{jm.ip}:8081"
        tms = [cluster.start_pod(tm_deploy, i + 1) for i in range(args.taskmanagers)]

        def running_job():
            jobs = get_json(f"{rest}/jobs/overview")["jobs"]
            running = [j for j in jobs if j["state"] == "RUNNING"]
            return running[0] if running else None

        job = wait_for("the job to reach RUNNING", running_job, args.timeout, [jm] + tms)
        log(f"job {job['name']} ({job['jid']}) is RUNNING")
        if job["name"] != args.pipeline_name:
            raise Failure(f"the job runs as {job['name']!r}, not {args.pipeline_name!r}")

        registered = get_json(f"{rest}/taskmanagers")["taskmanagers"]
        if len(registered) != len(tms):
            raise Failure(f"{len(registered)} TaskManagers registered, {len(tms)} started")
        config = {e["key"]: e["value"] for e in get_json(f"{rest}/jobmanager/config")}
        if config.get("jobmanager.rpc.address") != jm_service_name:
            raise Failure(f"jobmanager.rpc.address is {config.get('jobmanager.rpc.address')!r} in the"
                          f" JobManager, not the Service {jm_service_name!r}")
        for tm in tms:
            tm_log = open(tm.logs[tm_deploy["spec"]["template"]["spec"]["containers"][0]["name"]],
                          errors="replace").read()
            wanted = f"pekko.tcp://flink@{jm_service_name}:6123"
            legacy = f"akka.tcp://flink@{jm_service_name}:6123"
            if wanted not in tm_log and legacy not in tm_log:
                raise Failure(f"TaskManager {tm.name} did not reach the JobManager through the Service"
                              f" {jm_service_name} (no {wanted} in its log)")
        log(f"{len(registered)} TaskManager(s) registered through {jm_service_name}")
        check_logging(objects, tms, tm_deploy)
        java17 = config.get("env.java.opts.all", "") + " " + config.get("env.java.default-opts.all", "")
        if "--add-opens=java.base/java.util=ALL-UNNAMED" not in java17:
            raise Failure("the image's Java 17 flags (env.java.opts.all) did not reach Flink")
        args_line = re.search(r"flinkform-test-job args=\[(.*)\]", open(jm.logs["jobmanager"] if "jobmanager" in jm.logs else list(jm.logs.values())[-1], errors="replace").read())
        if args_line is None:
            raise Failure("the job's main() did not run in the JobManager")
        got_args = [a for a in args_line.group(1).split(", ") if a] if args_line.group(1) else []
        if got_args != args.job_args:
            raise Failure(f"the job got the arguments {got_args}, not {args.job_args}")

        slots = int(config["taskmanager.numberOfTaskSlots"])

        def parallelism():
            detail = get_json(f"{rest}/jobs/{job['jid']}")
            if detail["state"] != "RUNNING":
                return None
            if any(v["status"] != "RUNNING" for v in detail["vertices"]):
                return None
            return max(v["parallelism"] for v in detail["vertices"])

        expected = slots * len(tms)
        p = wait_for(f"parallelism {expected}", lambda: parallelism() == expected and expected,
                     args.timeout, [jm] + tms)
        log(f"parallelism {p} with {len(tms)} TaskManager(s) of {slots} slot(s)")
        check_max_parallelism(rest, job["jid"], config)

        names = expected_job_names(objects)
        metrics_port = int(config["metrics.reporter.prom.port"])
        series = "flink_taskmanager_job_task_busyTimeMsPerSecond"

        def scraped():
            text = get(f"http://{tms[0].ip}:{metrics_port}/metrics")
            return set(re.findall(series + r'\{[^}]*job_name="([^"]*)"', text))

        served = wait_for(f"{series} on the TaskManager's metrics port", scraped, 60, [jm] + tms)
        if served != {args.prometheus_job_name}:
            raise Failure(f"the TaskManager reports job_name {served}, expected {args.prometheus_job_name!r}")
        if names and names != served:
            raise Failure(f"the autoscaler selects job_name {names}, the TaskManager reports {served}")
        log(f"{series} served with job_name {served}")
        if args.prometheus:
            check_promql(args, tms, metrics_port, jm_deploy["metadata"].get("namespace", "default"))

        checkpoints_url = f"{rest}/jobs/{job['jid']}/checkpoints"

        def completed_checkpoint():
            latest = get_json(checkpoints_url)["latest"]["completed"]
            return latest and latest["external_path"]

        checkpoint_key = next((k for k in ("execution.checkpointing.dir", "state.checkpoints.dir")
                               if k in config), None)
        if checkpoint_key:
            # The JobManager writes each checkpoint's _metadata below the configured folder,
            # under the job's id: look for it in the JobManager container's own filesystem.
            external = wait_for("a completed checkpoint", completed_checkpoint, args.timeout, [jm] + tms)
            folder = config[checkpoint_key].removeprefix("file://")
            if not external.removeprefix("file:").startswith(folder):
                raise Failure(f"checkpoint {external} is not below {config[checkpoint_key]}")
            local = external.removeprefix("file:")
            if not local.startswith(FLINK_HOME + "/"):
                raise Failure(f"the test reads checkpoints below {FLINK_HOME} only, not {local}")
            upper = os.path.join(jm.dir, "containers", "jobmanager", "upper",
                                 local[len(FLINK_HOME) + 1:], "_metadata")
            if not os.path.exists(upper):
                raise Failure(f"Flink reports checkpoint {external}, but {upper} does not exist")
            log(f"checkpoint written to {external}")
            has_durable_checkpoints = True

        if args.rescale:
            wait_for("a completed checkpoint before rescaling", completed_checkpoint, args.timeout, [jm] + tms)
            extra = cluster.start_pod(tm_deploy, len(tms) + 1)
            up = slots * (len(tms) + 1)
            wait_for(f"parallelism {up} after a TaskManager was added", lambda: parallelism() == up,
                     args.timeout, [jm] + tms + [extra])
            restored = get_json(checkpoints_url)["latest"].get("restored")
            if not restored:
                raise Failure("the rescaled job did not restore from its latest checkpoint")
            log(f"a TaskManager added: parallelism {up}, restored from checkpoint {restored['id']}")
            cluster.stop_pod(extra)
            wait_for(f"parallelism {expected} after the TaskManager was removed",
                     lambda: parallelism() == expected, args.timeout, [jm] + tms)
            log(f"the TaskManager removed: parallelism {expected}")
        if not_headless:
            raise Failure(not_headless)
        def latest_checkpoint_file():
            """The latest completed checkpoint's _metadata in the JobManager's filesystem."""
            if not has_durable_checkpoints:
                return None
            local = completed_checkpoint().removeprefix("file:")
            return os.path.join(jm.dir, "containers", "jobmanager", "upper",
                                local[len(FLINK_HOME) + 1:], "_metadata")

        check_cancel_keeps_state(rest, job["jid"], jm, latest_checkpoint_file)
        print("REAL-FLINK-OK", flush=True)
    except Failure:
        cluster.dump_logs()
        raise
    finally:
        cluster.shutdown()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--manifests", required=True)
    p.add_argument("--flink", required=True)
    p.add_argument("--jar", required=True)
    p.add_argument("--jar-path", required=True)
    p.add_argument("--entrypoint", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--image-cache", required=True)
    p.add_argument("--taskmanagers", type=int, default=1)
    p.add_argument("--pipeline-name", required=True)
    p.add_argument("--prometheus-job-name", required=True)
    p.add_argument("--job-args", default="[]")
    p.add_argument("--rescale", action="store_true")
    p.add_argument("--check-ha", action="store_true")
    p.add_argument("--prometheus", help="a prometheus binary: evaluate --promql on the TaskManagers' series")
    p.add_argument("--promql", help="flinkform's busy-time query for this job")
    p.add_argument("--timeout", type=float, default=150)
    args = p.parse_args()
    args.job_args = json.loads(args.job_args)
    try:
        run(args)
    except Failure as e:
        print(f"REAL-FLINK-FAILED: {e}", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
