#!/usr/bin/python3
"""Writes the COCO evaluation fixtures and the numbers pycocotools' COCOeval gives for them.

Usage: /usr/bin/python3 make_expected.py PYCOCOTOOLS_DIR [FIXTURE_DIR]

PYCOCOTOOLS_DIR holds cocodataset/cocoapi's PythonAPI/pycocotools/coco.py and cocoeval.py (not copied into
this repository). FIXTURE_DIR (default: this script's folder) receives the hand-built cases NAME.gt.json and
NAME.dt.json; then, for every NAME.gt.json / NAME.dt.json pair found there (including pairs written by
ssdlite itself, see README.md), NAME.expected.json with COCOeval's twelve bbox stats and the per-category AP.

Two stand-ins, each for a part of pycocotools that is not Python:
- mask.iou, the compiled box IoU (maskApi.c bbIou), written below in numpy with the C code's operations:
  plain areas, and intersection over the detection's own area for a crowd ground truth;
- np.float, removed from numpy 1.24, which cocoeval.py still calls: it was an alias of float.
matplotlib, which coco.py imports only to draw, is replaced by empty modules.
"""
import importlib.util
import json
import os
import random
import sys
import types

import numpy as np


def load_pycocotools(folder):
    np.float = float
    for name in ["matplotlib", "matplotlib.pyplot", "matplotlib.collections", "matplotlib.patches"]:
        module = types.ModuleType(name)
        module.PatchCollection = module.Polygon = None
        sys.modules[name] = module
    package = types.ModuleType("pycocotools")
    package.__path__ = [folder]
    sys.modules["pycocotools"] = package
    mask = types.ModuleType("pycocotools.mask")
    mask.iou = box_iou
    sys.modules["pycocotools.mask"] = mask
    package.mask = mask
    modules = {}
    for name in ["coco", "cocoeval"]:
        spec = importlib.util.spec_from_file_location("pycocotools." + name, os.path.join(folder, name + ".py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules["pycocotools." + name] = module
        spec.loader.exec_module(module)
        modules[name] = module
    return modules["coco"].COCO, modules["cocoeval"].COCOeval


def box_iou(dt, gt, iscrowd):
    if len(dt) == 0 or len(gt) == 0:
        return []
    d = np.asarray(dt, dtype=np.double)
    g = np.asarray(gt, dtype=np.double)
    out = np.zeros((len(d), len(g)))
    for j in range(len(g)):
        ga = g[j, 2] * g[j, 3]
        for i in range(len(d)):
            da = d[i, 2] * d[i, 3]
            w = min(d[i, 2] + d[i, 0], g[j, 2] + g[j, 0]) - max(d[i, 0], g[j, 0])
            if w <= 0:
                continue
            h = min(d[i, 3] + d[i, 1], g[j, 3] + g[j, 1]) - max(d[i, 1], g[j, 1])
            if h <= 0:
                continue
            inter = w * h
            union = da if iscrowd[j] else da + ga - inter
            out[i, j] = inter / union
    return out


def write(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")


class Case:
    def __init__(self, categories):
        self.images, self.annotations, self.detections = [], [], []
        self.categories = [{"id": c, "name": "c%d" % c} for c in categories]

    def image(self, image_id, width=640, height=480):
        self.images.append({"id": image_id, "file_name": "%d.jpg" % image_id, "width": width, "height": height})

    def gt(self, image_id, category, box, crowd=0, area=None):
        self.annotations.append({"id": len(self.annotations) + 1, "image_id": image_id, "category_id": category,
                                 "bbox": box, "iscrowd": crowd, "area": box[2] * box[3] if area is None else area})

    def dt(self, image_id, category, box, score):
        self.detections.append({"image_id": image_id, "category_id": category, "bbox": box, "score": score})

    def save(self, folder, name):
        write(os.path.join(folder, name + ".gt.json"),
              {"images": self.images, "annotations": self.annotations, "categories": self.categories})
        write(os.path.join(folder, name + ".dt.json"), self.detections)


def crowd_case():
    c = Case([1, 2])
    c.image(1)
    c.gt(1, 1, [100, 100, 200, 150], crowd=1)          # a crowd of people
    c.gt(1, 1, [120, 110, 40, 80])                      # one person inside it
    c.gt(1, 1, [400, 300, 60, 60])
    c.dt(1, 1, [121, 112, 38, 78], 0.95)                # the person
    c.dt(1, 1, [150, 120, 50, 90], 0.9)                 # others in the crowd: ignored, not false positives
    c.dt(1, 1, [200, 150, 60, 70], 0.85)
    c.dt(1, 1, [90, 90, 230, 180], 0.8)                 # larger than the crowd box
    c.dt(1, 1, [402, 305, 55, 57], 0.7)
    c.dt(1, 1, [500, 50, 40, 40], 0.6)                  # a plain false positive
    c.dt(1, 1, [120, 110, 40, 80], 0.5)                 # a duplicate of the person: lands on the crowd
    c.image(2)
    c.gt(2, 2, [10, 10, 300, 300], crowd=1)             # a crowd only: no positives in this image
    c.gt(2, 1, [10, 10, 50, 50], crowd=1)
    c.dt(2, 2, [20, 20, 100, 100], 0.9)
    c.dt(2, 2, [400, 400, 50, 50], 0.3)
    c.image(3)
    c.gt(3, 2, [50, 60, 120, 100])
    c.gt(3, 2, [40, 50, 200, 200], crowd=1)             # overlapping crowd and object
    c.dt(3, 2, [52, 61, 118, 99], 0.8)
    c.dt(3, 2, [60, 70, 130, 110], 0.75)
    c.dt(3, 2, [45, 55, 190, 190], 0.4)
    return c


def area_case():
    c = Case([1, 3])
    c.image(1, 800, 600)
    sides = [8, 20, 31, 32, 33, 60, 95, 96, 97, 150, 300]
    x = 5
    for i, s in enumerate(sides):
        c.gt(1, 1, [x, 10, s, s])
        # hits, near misses and a box whose area sits just across a range edge from its object's
        jitter = [0, 1, -1, 2][i % 4]
        c.dt(1, 1, [x + jitter, 10, s + (1 if i % 3 == 0 else -1), s], 0.9 - 0.05 * i)
        x += s + 5
    # segment areas that differ from the box: the annotation's area decides the range, as in COCO
    c.gt(1, 3, [10, 400, 40, 40], area=900.0)           # box 1600 (medium), area small
    c.gt(1, 3, [100, 400, 100, 100], area=9216.0)       # box large, area exactly 96^2 (medium and large)
    c.gt(1, 3, [300, 400, 32, 32], area=1024.0)         # exactly 32^2: small and medium
    c.dt(1, 3, [11, 401, 39, 39], 0.8)
    c.dt(1, 3, [101, 402, 98, 97], 0.7)
    c.dt(1, 3, [300, 400, 32, 32], 0.6)
    c.dt(1, 3, [600, 500, 20, 20], 0.65)                # a small false positive
    c.dt(1, 3, [500, 300, 150, 150], 0.55)              # a large false positive
    c.image(2, 800, 600)
    c.gt(2, 3, [0, 0, 10, 10])
    c.dt(2, 3, [0, 0, 10, 9], 0.99)
    return c


def many_case():
    rng = random.Random(20)
    c = Case([1, 2, 5])
    for image_id in [7, 3, 11]:
        c.image(image_id, 640, 640)
        for _ in range(rng.randint(5, 25)):
            w, h = rng.uniform(8, 200), rng.uniform(8, 200)
            c.gt(image_id, rng.choice([1, 2, 5]), [rng.uniform(0, 640 - w), rng.uniform(0, 640 - h), w, h],
                 crowd=1 if rng.random() < 0.05 else 0)
    boxes = [a for a in c.annotations]
    for image_id in [7, 3, 11]:
        count = 180 if image_id == 7 else 120
        mine = [a for a in boxes if a["image_id"] == image_id]
        for i in range(count):
            category = 1 if image_id == 7 and i < 150 else rng.choice([1, 2, 5])
            if mine and rng.random() < 0.6:
                g = rng.choice(mine)["bbox"]
                box = [g[0] + rng.uniform(-8, 8), g[1] + rng.uniform(-8, 8), g[2] * rng.uniform(0.8, 1.2), g[3] * rng.uniform(0.8, 1.2)]
            else:
                w, h = rng.uniform(8, 200), rng.uniform(8, 200)
                box = [rng.uniform(0, 640 - w), rng.uniform(0, 640 - h), w, h]
            # scores on a coarse grid, so that many tie
            c.dt(image_id, category, box, round(rng.uniform(0.01, 1.0), 2))
    return c


def empty_class_case():
    c = Case([1, 4, 9])                                   # 4 never occurs in the ground truth, 9 has no detections
    c.image(1)
    c.gt(1, 1, [10, 10, 100, 100])
    c.gt(1, 9, [300, 300, 80, 80])
    c.dt(1, 1, [12, 8, 100, 104], 0.9)
    c.dt(1, 4, [300, 300, 80, 80], 0.95)                  # detections of a class with no ground truth
    c.dt(1, 4, [10, 10, 100, 100], 0.5)
    c.image(2)                                           # an image with no annotation at all
    c.dt(2, 1, [50, 50, 50, 50], 0.7)
    c.dt(2, 4, [60, 60, 30, 30], 0.6)
    c.image(3)
    c.gt(3, 1, [200, 100, 150, 120])
    return c


def expected(COCO, COCOeval, gt_path, dt_path):
    gt = COCO(gt_path)
    with open(dt_path) as f:
        detections = json.load(f)
    dt = gt.loadRes(detections) if detections else COCO()
    e = COCOeval(gt, dt, "bbox")
    e.evaluate()
    e.accumulate()
    e.summarize()
    precision = e.eval["precision"]
    per_category = {}
    for k, category in enumerate(e.params.catIds):
        p = precision[:, :, k, 0, -1]
        per_category[str(category)] = float(np.mean(p[p > -1])) if (p > -1).any() else None
    return {"stats": [float(s) for s in e.stats], "per_category": per_category}


def main():
    COCO, COCOeval = load_pycocotools(sys.argv[1])
    folder = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    for name, make in [("crowd", crowd_case), ("areas", area_case), ("many", many_case), ("empty-class", empty_class_case)]:
        make().save(folder, name)
    for file in sorted(os.listdir(folder)):
        if file.endswith(".gt.json"):
            name = file[: -len(".gt.json")]
            result = expected(COCO, COCOeval, os.path.join(folder, file), os.path.join(folder, name + ".dt.json"))
            write(os.path.join(folder, name + ".expected.json"), result)
            print(name, result["stats"])


if __name__ == "__main__":
    main()
