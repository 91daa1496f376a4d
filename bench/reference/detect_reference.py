#!/usr/bin/env python3
"""Per-image latency of the reference predictor's path, for comparison with `ssdlite bench --part detect`.

Per image: cv2 decode, BGR to RGB, cv2.resize to the input size, (x - 127) / 128, forward pass of the network in
bench_reference.py (BatchNorm in eval mode, NCHW, as the reference runs it), softmax, box decoding against the
SSD priors, per-class hard NMS (score 0.4, IoU 0.45, at most 200 candidates), boxes scaled to the image, JSON text.
Loads the same .pth the C# side loads. Median milliseconds per image over --iterations images (cycling), and the
images per second over all of them.
"""
import argparse
import glob
import itertools
import json
import math
import os
import statistics
import time

import cv2
import torch

import bench_reference as ref

# The reference's MobileNetV2 SSD-Lite prior table at 300x300: feature size, shrinkage, min and max box size.
SPECS = [(19, 16, 60, 105), (10, 32, 105, 150), (5, 64, 150, 195), (3, 100, 195, 240), (2, 150, 240, 285), (1, 300, 285, 330)]
ASPECT_RATIOS = [2, 3]


def priors(image_size=300):
    rows = []
    for feature, shrinkage, small, large in SPECS:
        scale = image_size / shrinkage
        for j, i in itertools.product(range(feature), repeat=2):
            cx, cy = (i + 0.5) / scale, (j + 0.5) / scale
            rows.append([cx, cy, small / image_size, small / image_size])
            side = math.sqrt(small * large) / image_size
            rows.append([cx, cy, side, side])
            for ratio in ASPECT_RATIOS:
                r = math.sqrt(ratio)
                rows.append([cx, cy, small / image_size * r, small / image_size / r])
                rows.append([cx, cy, small / image_size / r, small / image_size * r])
    return torch.tensor(rows).clamp_(0.0, 1.0)


def decode(locations, prior_boxes, center_variance=0.1, size_variance=0.2):
    centers = locations[..., :2] * center_variance * prior_boxes[..., 2:] + prior_boxes[..., :2]
    sizes = torch.exp(locations[..., 2:] * size_variance) * prior_boxes[..., 2:]
    return torch.cat([centers - sizes / 2, centers + sizes / 2], dim=-1)


def iou(box, others):
    top_left = torch.max(box[:2], others[:, :2])
    bottom_right = torch.min(box[2:], others[:, 2:])
    overlap = (bottom_right - top_left).clamp(min=0).prod(dim=1)
    area = (box[2:] - box[:2]).clamp(min=0).prod()
    areas = (others[:, 2:] - others[:, :2]).clamp(min=0).prod(dim=1)
    return overlap / (area + areas - overlap + 1e-5)


def hard_nms(boxes, scores, iou_threshold=0.45, candidates=200):
    order = scores.argsort(descending=True)[:candidates]
    keep = []
    while order.numel() > 0:
        best = order[0]
        keep.append(int(best))
        if order.numel() == 1:
            break
        rest = order[1:]
        order = rest[iou(boxes[best], boxes[rest]) <= iou_threshold]
    return keep


def predict(net, prior_boxes, image, size, threshold):
    height, width = image.shape[:2]
    x = cv2.resize(image, (size, size)).astype('float32')
    x = torch.from_numpy((x - 127.0) / 128.0).permute(2, 0, 1).unsqueeze(0)
    with torch.no_grad():
        confidences, locations = net(x)
    scores = torch.softmax(confidences[0], dim=1)
    boxes = decode(locations[0], prior_boxes)
    found = []
    for k in range(1, scores.size(1)):
        mask = scores[:, k] > threshold
        if not mask.any():
            continue
        class_boxes, class_scores = boxes[mask], scores[mask, k]
        for i in hard_nms(class_boxes, class_scores):
            b = class_boxes[i]
            found.append({"class_id": k, "score": float(class_scores[i]),
                          "box": [float(b[0]) * width, float(b[1]) * height, float(b[2]) * width, float(b[3]) * height]})
    return found


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--weights", required=True)
    p.add_argument("--classes", type=int, required=True, help="classes including the background")
    p.add_argument("--images", required=True, help="a folder or a glob")
    p.add_argument("--iterations", "-n", type=int, default=40)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--threshold", type=float, default=0.4)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    net = ref.SSDLite(args.classes, 1.0).eval()
    net.load_state_dict(torch.load(args.weights, map_location="cpu"))
    prior_boxes = priors()
    pattern = os.path.join(args.images, "*.jpg") if os.path.isdir(args.images) else args.images
    files = sorted(glob.glob(pattern))
    if not files:
        raise SystemExit(f"no images in {args.images}")

    def one(path):
        image = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
        found = predict(net, prior_boxes, image, 300, args.threshold)
        json.dumps([{"image": path, "width": image.shape[1], "height": image.shape[0], "detections": found}])
        return len(found)

    for k in range(args.warmup):
        one(files[k % len(files)])
    samples, objects = [], 0
    for k in range(args.iterations):
        start = time.perf_counter()
        objects += one(files[k % len(files)])
        samples.append((time.perf_counter() - start) * 1000)
    print(f"detect     decode → JSON, batch 1 (reference)   {statistics.median(samples):8.2f} ms  "
          f"(min {min(samples):.2f}, max {max(samples):.2f}; {objects / args.iterations:.1f} detections per image)")
    print(f"median_ms {statistics.median(samples):.3f}")
    # Images one after another, decode to JSON: the reference predictor's throughput over the timed images.
    print(f"images_per_s {args.iterations / (sum(samples) / 1000):.3f}")


if __name__ == "__main__":
    main()
