"""Reads flinkform's output with PyYAML, a YAML 1.1 reader, and checks that every string of the
job file came through as the same string. Usage: yaml11_roundtrip.py JOB_FILE OUTPUT_TREE"""
import pathlib
import sys

import yaml

job_path, tree = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
job = yaml.safe_load(job_path.read_text())  # the job file quotes every tricky value
meta, spec = job["metadata"], job["spec"]

objects = []
for path in sorted(tree.rglob("*.yaml")):
    for doc in yaml.safe_load_all(path.read_text()):
        if doc and "kind" in doc and doc["kind"] != "Kustomization":
            objects.append((path, doc))
assert objects, "no objects found"

failures = []
checked = 0
for path, obj in objects:
    labels = obj["metadata"].get("labels", {})
    if obj["kind"] != "Namespace":
        for key, value in meta["labels"].items():
            checked += 1
            if labels.get(key) != value:
                failures.append(f"{path}: label {key!r} is {labels.get(key)!r}, expected {value!r}")
        annotations = obj["metadata"].get("annotations", {})
        for key, value in meta["annotations"].items():
            checked += 1
            if annotations.get(key) != value:
                failures.append(f"{path}: annotation {key!r} is {annotations.get(key)!r}, expected {value!r}")
    if obj["kind"] == "Deployment" and "jobmanager" in obj["metadata"]["name"]:
        args = obj["spec"]["template"]["spec"]["containers"][0]["args"]
        checked += 1
        # The job's own arguments follow `--`, where Flink stops reading its options.
        job_args = args[args.index("--") + 1:] if "--" in args else []
        if job_args != spec["job"]["args"]:
            failures.append(f"{path}: job args {job_args!r}, expected {spec['job']['args']!r}")
    if obj["kind"] == "ConfigMap":
        config = yaml.safe_load(obj["data"]["config.yaml"])  # Flink reads it with SnakeYAML, YAML 1.1
        for key, value in spec["flinkConfiguration"].items():
            checked += 1
            if config.get(key) != value:
                failures.append(f"{path}: flink config {key!r} is {config.get(key)!r}, expected {value!r}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"checked {checked} values in {len(objects)} objects")
