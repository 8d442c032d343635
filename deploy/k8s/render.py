#!/usr/bin/env python3
"""Renders a kustomization folder to a multi-document YAML stream, for machines without kustomize.

Implements the subset deploy/k8s uses, and refuses any other field rather than ignore it:
resources (files and folders), namespace, labels (metadata only), images, and patches given as
inline JSON 6902 operations with a kind/name target. deploy/k8s/check compares its output with
`kubectl kustomize` wherever that exists.

    render.py deploy/k8s/overlays/production > rendered.yaml
"""
import copy
import os
import sys

import jsonpatch
import yaml

SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "patches"}
# Kinds without a namespace among those a kustomization here may hold.
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass"}


def fail(message):
    sys.exit(f"render.py: {message}")


def load_kustomization(folder):
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            with open(path) as f:
                return yaml.safe_load(f) or {}
    fail(f"no kustomization in {folder}")


def pod_specs(resource):
    """The pod specs of a workload (Deployment-like, Job, CronJob, Pod)."""
    spec = resource.get("spec", {})
    if resource["kind"] == "Pod":
        yield spec
    elif resource["kind"] == "CronJob":
        yield spec["jobTemplate"]["spec"]["template"]["spec"]
    elif "template" in spec:
        yield spec["template"]["spec"]


def set_image(image, rules):
    name, sep, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
    for rule in rules:
        if rule["name"] == name:
            new_name = rule.get("newName", name)
            new_tag = rule.get("newTag", tag)
            if "digest" in rule:
                return f"{new_name}@{rule['digest']}"
            return f"{new_name}:{new_tag}" if new_tag else new_name
    return image


def render(folder):
    k = load_kustomization(folder)
    unknown = set(k) - SUPPORTED
    if unknown:
        fail(f"{folder}: fields this renderer does not implement: {sorted(unknown)}")
    resources = []
    for entry in k.get("resources", []):
        path = os.path.normpath(os.path.join(folder, entry))
        if os.path.isdir(path):
            resources.extend(render(path))
        else:
            with open(path) as f:
                resources.extend(doc for doc in yaml.safe_load_all(f) if doc)
    for patch in k.get("patches", []):
        target = patch.get("target", {})
        if set(patch) - {"target", "patch"} or set(target) - {"kind", "name"}:
            fail(f"{folder}: only inline JSON 6902 patches with a kind/name target are implemented")
        ops = yaml.safe_load(patch["patch"])
        if not isinstance(ops, list):
            fail(f"{folder}: patch for {target} is not a JSON 6902 list")
        matched = [r for r in resources
                   if r["kind"] == target.get("kind", r["kind"]) and r["metadata"]["name"] == target.get("name", r["metadata"]["name"])]
        if not matched:
            fail(f"{folder}: patch target {target} matches nothing")
        for r in matched:
            resources[resources.index(r)] = jsonpatch.apply_patch(r, ops)
    for group in k.get("labels", []):
        if group.get("includeSelectors") or group.get("includeTemplates"):
            fail(f"{folder}: labels with includeSelectors/includeTemplates are not implemented")
        for r in resources:
            r["metadata"].setdefault("labels", {}).update(group["pairs"])
    if "images" in k:
        for r in resources:
            for spec in pod_specs(r):
                for container in spec.get("initContainers", []) + spec.get("containers", []):
                    container["image"] = set_image(container["image"], k["images"])
    if "namespace" in k:
        for r in resources:
            if r["kind"] not in CLUSTER_SCOPED:
                r["metadata"]["namespace"] = k["namespace"]
    return [copy.deepcopy(r) for r in resources]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        fail("usage: render.py KUSTOMIZATION_FOLDER")
    yaml.safe_dump_all(render(sys.argv[1]), sys.stdout, sort_keys=True)
