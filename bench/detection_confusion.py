#!/usr/bin/python3
"""Where a detector's mAP goes: per-class AP (VOC07 11-point, computed here independently of `ssdlite eval`),
class-agnostic AP (all detections as one class after cross-class NMS at IoU 0.5) and, for every non-difficult
ground-truth box, the class of the highest-scoring detection that overlaps it by IoU >= 0.5 (or a miss).
A large gap between the class-agnostic AP and the mAP means the boxes are found but the classes are confused.

  ssdlite detect --weights W --score-threshold 0.02 --top-k 100 --json det.json $(images of the split)
  python3 bench/detection_confusion.py det.json DATA/Annotations [classes...]
"""
import collections
import json
import os
import sys
import xml.etree.ElementTree as ET

import numpy as np


def iou(a, b):
    # VOC devkit convention: inclusive pixel coordinates
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]) + 1)
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]) + 1)
    inter = iw * ih
    union = (a[2] - a[0] + 1) * (a[3] - a[1] + 1) + (b[2] - b[0] + 1) * (b[3] - b[1] + 1) - inter
    return inter / union


def read_truth(annotations, stem):
    objects = []
    for o in ET.parse(os.path.join(annotations, stem + ".xml")).getroot().findall("object"):
        box = o.find("bndbox")
        corners = [float(box.find(k).text) - 1 for k in ("xmin", "ymin", "xmax", "ymax")]
        objects.append((o.find("name").text, corners, int(o.find("difficult").text)))
    return objects


def ap11(recall, precision):
    return float(np.mean([max([p for r, p in zip(recall, precision) if r >= t] or [0]) for t in np.arange(0, 1.1, 0.1)]))


def cross_class_nms(detections):
    kept = []
    for d in sorted(detections, key=lambda d: -d["score"]):
        if all(iou(d["box"], k["box"]) < 0.5 for k in kept):
            kept.append(d)
    return kept


def average_precision(images, truth, wanted):
    """wanted(name) selects the class; None means class-agnostic."""
    candidates, positives, used = [], 0, {}
    for entry in images:
        stem = os.path.splitext(os.path.basename(entry["image"]))[0]
        objects = [o for o in truth[stem] if wanted is None or o[0] == wanted]
        positives += sum(1 for o in objects if not o[2])
        used[stem] = [False] * len(objects)
        dets = entry["detections"] if wanted is None else [d for d in entry["detections"] if d["label"] == wanted]
        if wanted is None:
            dets = cross_class_nms(dets)
        candidates += [(d["score"], stem, d["box"], objects) for d in dets]
    candidates.sort(key=lambda c: -c[0])
    tp, fp = [], []
    for _, stem, box, objects in candidates:
        overlaps = [iou(box, o[1]) for o in objects]
        best = int(np.argmax(overlaps)) if overlaps else -1
        if best >= 0 and overlaps[best] >= 0.5:
            if objects[best][2]:
                continue  # difficult: neither true nor false positive
            hit = not used[stem][best]
            used[stem][best] = True
            tp.append(int(hit))
            fp.append(int(not hit))
        else:
            tp.append(0)
            fp.append(1)
    tp, fp = np.cumsum(tp), np.cumsum(fp)
    return ap11(tp / max(positives, 1), tp / np.maximum(tp + fp, 1e-9))


def main():
    images = json.load(open(sys.argv[1]))
    annotations = sys.argv[2]
    truth = {os.path.splitext(os.path.basename(e["image"]))[0]: read_truth(annotations, os.path.splitext(os.path.basename(e["image"]))[0])
             for e in images}
    classes = sys.argv[3:] or sorted({o[0] for objs in truth.values() for o in objs})
    per_class = {c: average_precision(images, truth, c) for c in classes}
    print("AP per class:", ", ".join(f"{c} {v:.3f}" for c, v in per_class.items()), f"| mAP {np.mean(list(per_class.values())):.4f}")
    print(f"class-agnostic AP: {average_precision(images, truth, None):.4f}")
    confusion, missed = collections.Counter(), collections.Counter()
    for entry in images:
        stem = os.path.splitext(os.path.basename(entry["image"]))[0]
        for name, box, difficult in truth[stem]:
            if difficult:
                continue
            overlapping = [d for d in entry["detections"] if iou(d["box"], box) >= 0.5]
            if overlapping:
                confusion[(name, max(overlapping, key=lambda d: d["score"])["label"])] += 1
            else:
                missed[name] += 1
    print("top overlapping detection's class (rows: ground truth)")
    print(" " * 9 + "".join(f"{c[:8]:>9}" for c in classes) + f"{'missed':>9}")
    for g in classes:
        print(f"{g[:8]:>9}" + "".join(f"{confusion[(g, p)]:9d}" for p in classes) + f"{missed[g]:9d}")


if __name__ == "__main__":
    main()
