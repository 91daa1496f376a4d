#!/usr/bin/python3
"""The reference's training recipe for MobileNetV2 SSD-Lite (qfgaohao/pytorch-ssd, train_ssd.py --net mb2-ssd-lite
--scheduler cosine --lr 0.01 --t_max 200 --batch_size 32), written here from its documented behaviour, so that
bench/train_compare.sh can train it side by side with `ssdlite train` on the same VOC-format data.

The model and the MultiBox loss come from bench_reference.py (state_dict keys of the reference). Each epoch
writes OUT/epoch-K.pth (a plain state_dict, which `ssdlite eval/detect --weights` read) and a row of
OUT/metrics.csv / OUT/metrics.json: mean loss parts and images/s of the training loop (loading, augmentation and
steps; not the checkpoint save).

Known departures from the reference, both forced:
- images with no (non-difficult) object are left out of training: the reference crashes on them
  (RandomSampleCrop and assign_priors take a max over zero boxes);
- a batch without positives gives a finite loss (the loss divides by max(1, positives)).

Run with Debian's python3-torch and the same glibc malloc tuning as our bridge:
  MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864 \
    python3 train_reference.py --data DIR --split trainval --epochs 5 --out OUT
"""
import argparse
import csv
import itertools
import json
import math
import os
import sys
import time
import warnings
import xml.etree.ElementTree as ET

import cv2
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import ConcatDataset, DataLoader, Dataset

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_reference import SSDLite, multibox_loss  # noqa: E402

IMAGE_SIZE = 300
IMAGE_MEAN = np.array([127, 127, 127], dtype=np.float32)
IMAGE_STD = 128.0
CENTER_VARIANCE = 0.1
SIZE_VARIANCE = 0.2
MATCH_IOU = 0.5
# (feature map size, shrinkage, min box, max box) per source; aspect ratios 2 and 3 everywhere
PRIOR_SPECS = [(19, 16, 60, 105), (10, 32, 105, 150), (5, 64, 150, 195), (3, 100, 195, 240), (2, 150, 240, 285),
               (1, 300, 285, 330)]
ASPECT_RATIOS = (2, 3)
SHARED_PRIORS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/reference/priors-300.txt"))


# ---------------------------------------------------------------------------------------------------------------
# priors, box coding, matching (center form: cx, cy, w, h relative to the image)

def make_priors(image_size=IMAGE_SIZE):
    rows = []
    for fmap, shrinkage, min_size, max_size in PRIOR_SPECS:
        scale = image_size / shrinkage
        for y, x in itertools.product(range(fmap), repeat=2):
            cx, cy = (x + 0.5) / scale, (y + 0.5) / scale
            small = min_size / image_size
            big = math.sqrt(min_size * max_size) / image_size
            rows.append([cx, cy, small, small])
            rows.append([cx, cy, big, big])
            for ratio in ASPECT_RATIOS:
                r = math.sqrt(ratio)
                rows.append([cx, cy, small * r, small / r])
                rows.append([cx, cy, small / r, small * r])
    return torch.tensor(rows, dtype=torch.float32).clamp_(0.0, 1.0)


def read_prior_table(path):
    with open(path) as f:
        return torch.tensor([[float(v) for v in line.split()] for line in f if line.strip() and not line.startswith("#")])


def center_to_corner(boxes):
    return torch.cat([boxes[..., :2] - boxes[..., 2:] / 2, boxes[..., :2] + boxes[..., 2:] / 2], -1)


def corner_to_center(boxes):
    return torch.cat([(boxes[..., :2] + boxes[..., 2:]) / 2, boxes[..., 2:] - boxes[..., :2]], -1)


def iou(a, b, eps=1e-5):
    """IoU of corner-form boxes, broadcasting a against b."""
    top_left = torch.max(a[..., :2], b[..., :2])
    bottom_right = torch.min(a[..., 2:], b[..., 2:])
    inter = (bottom_right - top_left).clamp(min=0).prod(-1)
    area_a = (a[..., 2:] - a[..., :2]).clamp(min=0).prod(-1)
    area_b = (b[..., 2:] - b[..., :2]).clamp(min=0).prod(-1)
    return inter / (area_a + area_b - inter + eps)


def encode(center_boxes, center_priors):
    return torch.cat([(center_boxes[..., :2] - center_priors[..., :2]) / center_priors[..., 2:] / CENTER_VARIANCE,
                      torch.log(center_boxes[..., 2:] / center_priors[..., 2:]) / SIZE_VARIANCE], -1)


def decode(locations, center_priors):
    return torch.cat([locations[..., :2] * CENTER_VARIANCE * center_priors[..., 2:] + center_priors[..., :2],
                      torch.exp(locations[..., 2:] * SIZE_VARIANCE) * center_priors[..., 2:]], -1)


class MatchPrior:
    """Ground truth (corner form, relative) to per-prior regression targets and labels (0 = background)."""

    def __init__(self, center_priors, iou_threshold=MATCH_IOU):
        self.center_priors = center_priors
        self.corner_priors = center_to_corner(center_priors)
        self.iou_threshold = iou_threshold

    def __call__(self, gt_boxes, gt_labels):
        gt_boxes = torch.as_tensor(gt_boxes, dtype=torch.float32)
        gt_labels = torch.as_tensor(gt_labels, dtype=torch.int64)
        overlaps = iou(gt_boxes.unsqueeze(0), self.corner_priors.unsqueeze(1))  # priors x targets
        best_iou, best_target = overlaps.max(1)
        _, best_prior = overlaps.max(0)
        # each target takes its best prior (a later target wins a prior two targets share), whatever the IoU
        for target, prior in enumerate(best_prior.tolist()):
            best_target[prior] = target
        best_iou.index_fill_(0, best_prior, 2.0)
        labels = gt_labels[best_target]
        labels[best_iou < self.iou_threshold] = 0
        boxes = gt_boxes[best_target]
        return encode(corner_to_center(boxes), self.center_priors), labels


# ---------------------------------------------------------------------------------------------------------------
# the reference's TrainAugmentation (SSD augmentation on float32 HWC RGB, boxes in pixel corners), numpy's global RNG

rng = np.random


def overlap_with(boxes, rect):
    inter_wh = np.clip(np.minimum(boxes[:, 2:], rect[2:]) - np.maximum(boxes[:, :2], rect[:2]), 0, None)
    inter = inter_wh[:, 0] * inter_wh[:, 1]
    area_boxes = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    area_rect = (rect[2] - rect[0]) * (rect[3] - rect[1])
    return inter / (area_boxes + area_rect - inter)


def photometric_distort(image):
    image = image.copy()
    if rng.randint(2):  # brightness
        image += rng.uniform(-32, 32)
    contrast_first = rng.randint(2)

    def contrast(im):
        if rng.randint(2):
            im *= rng.uniform(0.5, 1.5)
        return im

    if contrast_first:
        image = contrast(image)
    image = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
    if rng.randint(2):  # saturation
        image[:, :, 1] *= rng.uniform(0.5, 1.5)
    if rng.randint(2):  # hue
        hue = image[:, :, 0]
        hue += rng.uniform(-18.0, 18.0)
        hue[hue > 360.0] -= 360.0
        hue[hue < 0.0] += 360.0
    image = cv2.cvtColor(image, cv2.COLOR_HSV2RGB)
    if not contrast_first:
        image = contrast(image)
    if rng.randint(2):  # lighting noise: a random channel permutation
        perms = ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))
        image = image[:, :, perms[rng.randint(len(perms))]]
    return image


def expand(image, boxes, max_ratio=4.0):
    if rng.randint(2):
        return image, boxes
    height, width, depth = image.shape
    ratio = rng.uniform(1, max_ratio)
    left = rng.uniform(0, width * ratio - width)
    top = rng.uniform(0, height * ratio - height)
    canvas = np.empty((int(height * ratio), int(width * ratio), depth), dtype=image.dtype)
    canvas[:, :, :] = IMAGE_MEAN
    canvas[int(top):int(top + height), int(left):int(left + width)] = image
    boxes = boxes.copy()
    boxes[:, :2] += (int(left), int(top))
    boxes[:, 2:] += (int(left), int(top))
    return canvas, boxes


CROP_MODES = (None, (0.1, None), (0.3, None), (0.7, None), (0.9, None), (None, None))


def random_sample_crop(image, boxes, labels, enforce_iou=False):
    """SSD's crop. The reference's overlap test (`min < lo and hi < max`, hi being inf) never rejects a crop;
    enforce_iou=True applies the intended one (best overlap >= the mode's minimum)."""
    height, width, _ = image.shape
    while True:
        mode = CROP_MODES[rng.randint(len(CROP_MODES))]
        if mode is None:
            return image, boxes, labels
        min_iou = -math.inf if mode[0] is None else mode[0]
        max_iou = math.inf if mode[1] is None else mode[1]
        for _ in range(50):
            w = rng.uniform(0.3 * width, width)
            h = rng.uniform(0.3 * height, height)
            if h / w < 0.5 or h / w > 2:
                continue
            # as the reference calls it: numpy's uniform(low) draws between low and 1.0
            left = rng.uniform(width - w)
            top = rng.uniform(height - h)
            rect = np.array([int(left), int(top), int(left + w), int(top + h)])
            overlap = overlap_with(boxes, rect)
            rejected = (overlap.max() < min_iou or overlap.min() > max_iou) if enforce_iou \
                else (overlap.min() < min_iou and max_iou < overlap.max())
            if rejected:
                continue
            centers = (boxes[:, :2] + boxes[:, 2:]) / 2.0
            inside = (rect[0] < centers[:, 0]) & (rect[1] < centers[:, 1]) & \
                     (rect[2] > centers[:, 0]) & (rect[3] > centers[:, 1])
            if not inside.any():
                continue
            kept = boxes[inside, :].copy()
            kept[:, :2] = np.maximum(kept[:, :2], rect[:2]) - rect[:2]
            kept[:, 2:] = np.minimum(kept[:, 2:], rect[2:]) - rect[:2]
            return image[rect[1]:rect[3], rect[0]:rect[2], :], kept, labels[inside]


def random_mirror(image, boxes):
    width = image.shape[1]
    if rng.randint(2):
        image = image[:, ::-1]
        boxes = boxes.copy()
        boxes[:, 0::2] = width - boxes[:, 2::-2]
    return image, boxes


class TrainAugmentation:
    def __init__(self, size=IMAGE_SIZE, enforce_crop_iou=False):
        self.size = size
        self.enforce_crop_iou = enforce_crop_iou

    def __call__(self, image, boxes, labels):
        image = image.astype(np.float32)
        image = photometric_distort(image)
        image, boxes = expand(image, boxes)
        image, boxes, labels = random_sample_crop(image, boxes, labels, self.enforce_crop_iou)
        image, boxes = random_mirror(image, boxes)
        height, width, _ = image.shape
        boxes = boxes.copy()
        boxes[:, 0::2] /= width
        boxes[:, 1::2] /= height
        image = cv2.resize(image, (self.size, self.size))
        image = (image - IMAGE_MEAN) / IMAGE_STD
        return torch.from_numpy(image.astype(np.float32)).permute(2, 0, 1), boxes, labels


# ---------------------------------------------------------------------------------------------------------------
# VOC-format data

def read_labels(path):
    """labels.txt: comma-separated (the reference's form) or one name per line; BACKGROUND becomes class 0."""
    with open(path) as f:
        text = f.read()
    names = [n.strip() for n in (text.split(",") if "," in text else text.splitlines())]
    names = [n for n in names if n]
    if names and names[0].upper() == "BACKGROUND":
        names = names[1:]
    return ["BACKGROUND"] + names


class VocDataset(Dataset):
    def __init__(self, root, split, class_names, transform, target_transform, keep_difficult=False):
        self.root = root
        self.transform = transform
        self.target_transform = target_transform
        self.class_index = {name.lower(): i for i, name in enumerate(class_names)}
        with open(os.path.join(root, "ImageSets", "Main", f"{split}.txt")) as f:
            ids = [line.strip() for line in f if line.strip()]
        self.samples, self.skipped = [], 0
        for image_id in ids:
            boxes, labels, difficult = self._annotation(image_id)
            if not keep_difficult:
                boxes, labels = boxes[difficult == 0], labels[difficult == 0]
            if len(boxes) == 0:
                self.skipped += 1
                continue
            self.samples.append((image_id, boxes, labels))

    def _annotation(self, image_id):
        tree = ET.parse(os.path.join(self.root, "Annotations", f"{image_id}.xml"))
        boxes, labels, difficult = [], [], []
        for obj in tree.findall("object"):
            name = obj.find("name").text.lower().strip()
            if name not in self.class_index:
                continue
            box = obj.find("bndbox")
            # VOC is 1-based: the reference subtracts 1 from all four coordinates
            boxes.append([float(box.find(k).text) - 1 for k in ("xmin", "ymin", "xmax", "ymax")])
            labels.append(self.class_index[name])
            flag = obj.find("difficult")
            difficult.append(int(flag.text) if flag is not None and flag.text else 0)
        return (np.array(boxes, dtype=np.float32).reshape(-1, 4), np.array(labels, dtype=np.int64),
                np.array(difficult, dtype=np.uint8))

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        image_id, boxes, labels = self.samples[index]
        image = cv2.imread(os.path.join(self.root, "JPEGImages", f"{image_id}.jpg"))
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        image, boxes, labels = self.transform(image, boxes, labels)
        locations, labels = self.target_transform(boxes, labels)
        return image, locations, labels


# ---------------------------------------------------------------------------------------------------------------
# model initialisation as the reference's (no pretrained weights)

def init_reference(model):
    # base net: MobileNetV2._initialize_weights (the reference builds MobileNetV2 and keeps its features)
    for m in model.base_net.modules():
        if isinstance(m, nn.Conv2d):
            n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            m.weight.data.normal_(0, math.sqrt(2.0 / n))
            if m.bias is not None:
                m.bias.data.zero_()
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.data.fill_(1)
            m.bias.data.zero_()
    # extras and heads: xavier_uniform on conv weights, biases left at PyTorch's default
    for part in (model.extras, model.classification_headers, model.regression_headers):
        for m in part.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight)


# ---------------------------------------------------------------------------------------------------------------

def self_check(priors, table_path):
    """Priors equal the shared table; encode/decode round-trips; every ground truth keeps its best prior."""
    err = None
    if table_path and os.path.exists(table_path):
        table = read_prior_table(table_path)
        assert table.shape == priors.shape, (table.shape, priors.shape)
        err = (table - priors).abs().max().item()
        assert err < 1e-6, f"priors differ from {table_path} by {err}"
    g = torch.Generator().manual_seed(0)
    xy = torch.rand(50, 2, generator=g) * 0.7
    boxes = torch.cat([xy, xy + 0.05 + torch.rand(50, 2, generator=g) * 0.25], 1)
    labels = torch.randint(1, 7, (50,), generator=g)
    matcher = MatchPrior(priors)
    loc, lab = matcher(boxes, labels)
    decoded = center_to_corner(decode(loc, priors))
    positive = lab > 0
    assert positive.any()
    # every positive prior decodes to a ground truth box (IoU ~ 1) of its own label
    which = iou(decoded[positive].unsqueeze(1), boxes.unsqueeze(0)).max(1).indices
    worst = (decoded[positive] - boxes[which]).abs().max().item()
    assert worst < 1e-5, f"encode/decode does not round-trip (worst corner error {worst})"
    assert (labels[which] == lab[positive]).all(), "a positive prior carries another box's label"
    # each ground truth's best prior is positive with that box's label (the last box claiming a prior wins)
    claims = {}
    for target, prior in enumerate(iou(boxes.unsqueeze(0), matcher.corner_priors.unsqueeze(1)).max(0).indices.tolist()):
        claims[prior] = target
    for prior, target in claims.items():
        assert lab[prior] == labels[target], f"ground truth {target} lost its best prior {prior}"
    return {"priors": priors.shape[0], "max_table_error": err, "positives": int(positive.sum()), "forced": len(claims),
            "round_trip_error": worst}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", nargs="+", required=True, help="VOC root(s): JPEGImages, Annotations, ImageSets/Main")
    p.add_argument("--split", default="trainval")
    p.add_argument("--labels", help="labels file (default: the first root's labels.txt)")
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--t-max", type=float, default=200, help="CosineAnnealingLR T_max in epochs")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--enforce-crop-iou", action="store_true", help="apply the crop's IoU minimum (the reference does not)")
    p.add_argument("--cv2-threads", type=int, default=None,
                   help="cv2.setNumThreads in each loader worker (default: OpenCV's own, as the reference leaves it)")
    p.add_argument("--drop-last", action="store_true", help="drop the last incomplete batch (the reference keeps it)")
    p.add_argument("--flush-denormal", action="store_true",
                   help="torch.set_flush_denormal(True) (the reference does not; a probe of why its steps slow down)")
    p.add_argument("--priors-table", default=SHARED_PRIORS, help="the reference's priors to compare ours with")
    p.add_argument("--self-check", action="store_true", help="check priors and matching, then exit")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    if args.flush_denormal:
        torch.set_flush_denormal(True)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    priors = make_priors()
    check = self_check(priors, args.priors_table)
    print(f"self-check: {check['priors']} priors, max |priors - shared table| {check['max_table_error']}, "
          f"encode/decode round trip max error {check['round_trip_error']:.2g} over {check['positives']} positives, "
          f"{check['forced']} forced matches ok", flush=True)
    if args.self_check:
        return

    class_names = read_labels(args.labels or os.path.join(args.data[0], "labels.txt"))
    matcher = MatchPrior(priors)
    augment = TrainAugmentation(enforce_crop_iou=args.enforce_crop_iou)
    parts = [VocDataset(root, args.split, class_names, augment, matcher) for root in args.data]
    dataset = ConcatDataset(parts)
    skipped = sum(d.skipped for d in parts)
    init_worker = None if args.cv2_threads is None else (lambda _: cv2.setNumThreads(args.cv2_threads))
    loader = DataLoader(dataset, args.batch_size, shuffle=True, num_workers=args.workers, drop_last=args.drop_last,
                        worker_init_fn=init_worker)

    model = SSDLite(len(class_names))
    init_reference(model)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.t_max)
    os.makedirs(args.out, exist_ok=True)
    print(f"{len(class_names)} classes {class_names}; {len(dataset)} training images ({skipped} without objects left out), "
          f"{len(loader)} steps per epoch; torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{args.workers} workers", flush=True)

    # the reference steps the schedule before the epoch's first optimizer step, on purpose: keep PyTorch quiet about it
    warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step\(\)` before")
    rows = []
    for epoch in range(args.epochs):
        scheduler.step()  # the reference steps the schedule at the start of each epoch
        lr = optimizer.param_groups[0]["lr"]
        sums, steps, images = [0.0, 0.0], 0, 0
        start = time.perf_counter()
        for x, gt_locations, labels in loader:
            optimizer.zero_grad()
            confidences, locations = model(x)
            reg, cls = multibox_loss(confidences, locations, labels, gt_locations, neg_pos_ratio=3, min_negatives=0)
            (reg + cls).backward()
            optimizer.step()
            sums[0] += reg.item()
            sums[1] += cls.item()
            steps += 1
            images += x.size(0)
        seconds = time.perf_counter() - start
        weights = os.path.join(args.out, f"epoch-{epoch + 1}.pth")
        torch.save(model.state_dict(), weights)
        reg, cls = sums[0] / steps, sums[1] / steps
        row = {"epoch": epoch + 1, "lr": lr, "loss": reg + cls, "regression_loss": reg, "classification_loss": cls,
               "images": images, "seconds": seconds, "images_per_s": images / seconds, "weights": weights}
        rows.append(row)
        print(f"epoch {epoch + 1}/{args.epochs}: lr {lr:.6g} loss {reg + cls:.4f} (reg {reg:.4f} cls {cls:.4f}), "
              f"{images} images in {seconds:.1f} s, {images / seconds:.2f} img/s", flush=True)
        with open(os.path.join(args.out, "metrics.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(row))
            w.writeheader()
            w.writerows(rows)
        malloc = {k: os.environ.get(k) for k in ("MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")}
        doc = {"torch": torch.__version__, "threads": torch.get_num_threads(), "workers": args.workers,
               "batch_size": args.batch_size, "t_max": args.t_max, "training_images": len(dataset),
               "skipped_images": skipped, "classes": class_names, "malloc_env": malloc, "epochs": rows}
        with open(os.path.join(args.out, "metrics.json"), "w") as f:
            json.dump(doc, f, indent=2)


if __name__ == "__main__":
    main()
