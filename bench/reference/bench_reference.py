#!/usr/bin/python3
"""Reference timings for SsdLite: MobileNetV2 SSD-Lite, MobileNetV1 SSD and SSD-Lite (--arch) in eager PyTorch, built here from docs/ARCHITECTURE's
description (the reference repository's layout), timed the way `ssdlite bench` times our side.

Run with Debian's python3-torch and the same glibc malloc tuning as our bridge:
  MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864 python3 bench_reference.py
"""
import argparse
import json
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def make_divisible(value, divisor=8):
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def conv_bn_relu6(cin, cout, kernel, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU6(inplace=True))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        hidden = int(round(cin * t))
        self.residual = stride == 1 and cin == cout
        layers = []
        if t != 1:
            layers += [nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True)]
        layers += [nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
                   nn.ReLU6(inplace=True), nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.residual else self.conv(x)


STAGES = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
EXTRAS = [(512, 0.2), (256, 0.25), (256, 0.5), (64, 0.25)]


def mobilenet_v2_features(width):
    cin = make_divisible(32 * width)
    layers = [conv_bn_relu6(3, cin, 3, 2)]
    for t, c, n, s in STAGES:
        cout = make_divisible(c * width)
        for i in range(n):
            layers.append(InvertedResidual(cin, cout, s if i == 0 else 1, t))
            cin = cout
    last = make_divisible(1280 * width) if width > 1 else 1280
    layers.append(conv_bn_relu6(cin, last, 1, 1))
    return nn.Sequential(*layers), last


def separable_head(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cin, 3, padding=1, groups=cin), nn.BatchNorm2d(cin), nn.ReLU6(inplace=True),
                         nn.Conv2d(cin, cout, 1))


class SSDLite(nn.Module):
    TAP_BLOCK = 14  # the first block of the 160-channel stage; its expansion is the stride-16 source

    def __init__(self, num_classes, width=1.0, anchors=6):
        super().__init__()
        self.num_classes = num_classes
        self.base_net, last = mobilenet_v2_features(width)
        tap = self.base_net[self.TAP_BLOCK].conv[0].out_channels
        extras, cin = [], last
        for cout, t in EXTRAS:
            extras.append(InvertedResidual(cin, cout, 2, t))
            cin = cout
        self.extras = nn.ModuleList(extras)
        sources = [tap, last] + [c for c, _ in EXTRAS]
        self.classification_headers = self._heads(sources, anchors * num_classes)
        self.regression_headers = self._heads(sources, anchors * 4)

    @staticmethod
    def _heads(sources, out):
        return nn.ModuleList([separable_head(c, out) for c in sources[:-1]] + [nn.Conv2d(sources[-1], out, 1)])

    def _sources(self, x):
        for layer in self.base_net[:self.TAP_BLOCK]:
            x = layer(x)
        block = self.base_net[self.TAP_BLOCK]
        expanded = block.conv[:3](x)
        yield expanded
        x = block.conv[3:](expanded)
        for layer in self.base_net[self.TAP_BLOCK + 1:]:
            x = layer(x)
        yield x
        for extra in self.extras:
            x = extra(x)
            yield x

    def forward(self, x):
        confidences, locations = [], []
        for k, source in enumerate(self._sources(x)):
            confidences.append(self._rows(self.classification_headers[k](source), self.num_classes))
            locations.append(self._rows(self.regression_headers[k](source), 4))
        return torch.cat(confidences, 1), torch.cat(locations, 1)

    @staticmethod
    def _rows(y, values):
        return y.permute(0, 2, 3, 1).contiguous().view(y.size(0), -1, values)


MB1_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]


def conv_bn_relu(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def depthwise_separable(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin),
                         nn.ReLU(inplace=True), nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


def mobilenet_v1_features():
    layers, cin = [conv_bn_relu(3, 32, 2)], 32
    for cout, stride in MB1_BLOCKS:
        layers.append(depthwise_separable(cin, cout, stride))
        cin = cout
    return nn.Sequential(*layers)


def separable_conv(cin, cout, stride=1):
    """The reference's SSD-Lite separable conv: depthwise 3x3 (bias) + ReLU + pointwise 1x1 (bias), no BatchNorm."""
    return nn.Sequential(nn.Conv2d(cin, cin, 3, stride, 1, groups=cin), nn.ReLU(), nn.Conv2d(cin, cout, 1))


class MobileNetV1SSD(SSDLite):
    """mb1-ssd (plain 3x3 extras and heads) or mb1-ssd-lite (separable ones): taps after block 11 (512 channels,
    stride 16) and the last block (1024, stride 32), then four 1x1-narrow + stride-2 extras."""
    TAP_LAYER = 12
    EXTRAS_MB1 = [(1024, 256, 512), (512, 128, 256), (256, 128, 256), (256, 128, 256)]

    def __init__(self, num_classes, lite, anchors=6):
        nn.Module.__init__(self)
        self.num_classes = num_classes
        self.base_net = mobilenet_v1_features()
        stage = (lambda cin, cout: [separable_conv(cin, cout, 2)]) if lite else \
            (lambda cin, cout: [nn.Conv2d(cin, cout, 3, 2, 1), nn.ReLU()])
        self.extras = nn.ModuleList([nn.Sequential(nn.Conv2d(cin, hidden, 1), nn.ReLU(), *stage(hidden, cout))
                                     for cin, hidden, cout in self.EXTRAS_MB1])
        sources = [512, 1024, 512, 256, 256, 256]
        if lite:
            head = lambda cin, out: separable_conv(cin, out)
            last = lambda cin, out: nn.Conv2d(cin, out, 1)
        else:
            head = last = lambda cin, out: nn.Conv2d(cin, out, 3, padding=1)
        self.classification_headers = nn.ModuleList(
            [head(c, anchors * num_classes) for c in sources[:-1]] + [last(sources[-1], anchors * num_classes)])
        self.regression_headers = nn.ModuleList(
            [head(c, anchors * 4) for c in sources[:-1]] + [last(sources[-1], anchors * 4)])

    def _sources(self, x):
        for layer in self.base_net[:self.TAP_LAYER]:
            x = layer(x)
        yield x
        for layer in self.base_net[self.TAP_LAYER:]:
            x = layer(x)
        yield x
        for extra in self.extras:
            x = extra(x)
            yield x


def build_model(args):
    if args.arch == "mb2-ssd-lite":
        return SSDLite(args.classes, args.width)
    if args.width != 1.0:
        raise SystemExit("the reference's MobileNetV1 detectors have width 1.0 only")
    return MobileNetV1SSD(args.classes, lite=args.arch == "mb1-ssd-lite")


def multibox_loss(confidences, locations, labels, gt_locations, neg_pos_ratio=3, min_negatives=3):
    """Smooth L1 over positives + cross entropy over positives and 3:1 hard negatives, both / positives."""
    positive = labels > 0
    with torch.no_grad():
        background_loss = -F.log_softmax(confidences, 2)[:, :, 0]
        eligible = labels == 0
        ranked = background_loss.masked_fill(~eligible, float("-inf"))
        _, order = ranked.sort(dim=1, descending=True, stable=True)
        _, rank = order.sort(1)
        num_neg = (positive.sum(1, keepdim=True) * neg_pos_ratio).clamp_min(min_negatives)
        selected = positive | ((rank < num_neg) & eligible)
    num_classes = confidences.size(2)
    cls = F.cross_entropy(confidences[selected].reshape(-1, num_classes), labels[selected], reduction="sum")
    reg = F.smooth_l1_loss(locations[positive], gt_locations[positive], reduction="sum")
    num_pos = max(1.0, float(positive.sum()))
    return reg / num_pos, cls / num_pos


def synthetic_targets(batch, priors, num_classes, seed):
    g = torch.Generator().manual_seed(seed)
    positive = torch.rand(batch, priors, generator=g) < 0.02
    classes = torch.randint(1, num_classes, (batch, priors), generator=g)
    labels = torch.where(positive, classes, torch.zeros_like(classes))
    return labels, 0.5 * torch.randn(batch, priors, 4, generator=g)


def timed(fn, warmup, iterations):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def bench_inference(args, batch):
    torch.manual_seed(1)
    model = build_model(args).eval()
    x = torch.randn(batch, 3, args.input_size, args.input_size)

    def forward():
        with torch.no_grad():
            model(x)

    return timed(forward, args.warmup, args.iterations)


class TestMode(nn.Module):
    """The reference's test-mode output, as its ONNX export carries it: softmax scores and corner boxes decoded
    against center-form priors (variances 0.1, 0.2). The priors' values do not change the work, so they are drawn."""

    def __init__(self, model, priors):
        super().__init__()
        self.model = model
        self.register_buffer("priors", priors)

    def forward(self, x):
        confidences, locations = self.model(x)
        centers = locations[..., :2] * 0.1 * self.priors[..., 2:] + self.priors[..., :2]
        sizes = torch.exp(locations[..., 2:] * 0.2) * self.priors[..., 2:]
        return F.softmax(confidences, dim=2), torch.cat([centers - sizes / 2, centers + sizes / 2], 2)


def frozen_test_mode(args, batch):
    """The fastest CPU inference the reference's PyTorch offers: traced, frozen, optimize_for_inference."""
    torch.manual_seed(1)
    model = SSDLite(args.classes, args.width).eval()
    x = torch.randn(batch, 3, args.input_size, args.input_size)
    with torch.no_grad():
        priors = torch.rand(model(x[:1])[0].size(1), 4) * 0.5 + 0.25
        traced = torch.jit.trace(TestMode(model, priors).eval(), x)
        return torch.jit.optimize_for_inference(torch.jit.freeze(traced)), x


def bench_frozen(args, batch):
    module, x = frozen_test_mode(args, batch)

    def forward():
        with torch.no_grad():
            module(x)

    return timed(forward, args.warmup, args.iterations)


def check_state_dict(args):
    """Loads a state_dict file (ssdlite export --format pth) into this reference model with strict key checking."""
    model = SSDLite(args.classes, args.width).eval()
    state = torch.load(args.check_state_dict, map_location="cpu")
    result = model.load_state_dict(state, strict=True)
    with torch.no_grad():
        scores = F.softmax(model(torch.zeros(1, 3, args.input_size, args.input_size))[0], 2)
    print(f"{args.check_state_dict}: {len(state)} tensors loaded strictly ({result}); "
          f"scores {tuple(scores.shape)}, sum {float(scores.sum()):.4f}")


def bench_train(args, batch):
    torch.manual_seed(2)
    model = build_model(args).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(batch, 3, args.input_size, args.input_size)
    with torch.no_grad():
        priors = model(x[:2])[0].size(1)
    labels, gt_locations = synthetic_targets(batch, priors, args.classes, 3)

    phases = {name: [] for name in PHASES}

    def step():
        cpu, start = time.process_time(), time.perf_counter()
        marks = [start]
        confidences, locations = model(x)
        marks.append(time.perf_counter())
        reg, cls = multibox_loss(confidences, locations, labels, gt_locations)
        total = reg + cls
        marks.append(time.perf_counter())
        optimizer.zero_grad()
        total.backward()
        marks.append(time.perf_counter())
        optimizer.step()
        marks.append(time.perf_counter())
        del confidences, locations, reg, cls, total
        end = time.perf_counter()
        laps = [(b - a) * 1000 for a, b in zip(marks, marks[1:])]
        laps.append((end - start) * 1000 - sum(laps))
        laps.append((time.process_time() - cpu) * 1000)
        for name, ms in zip(PHASES, laps):
            phases[name].append(ms)

    samples = timed(step, args.warmup, args.iterations)
    return samples, {name: values[args.warmup:] for name, values in phases.items()}


# The phases of ssdlite bench --train-breakdown, in its order: zero_grad counts with backward, "host" is the time
# outside the four (freeing the step's tensors), "cpu" the process's CPU time per step (not a phase).
PHASES = ["forward", "loss", "backward", "optimizer", "host", "cpu"]


def result(part, case, samples, batch):
    median = statistics.median(samples)
    return {"part": part, "case": case, "median": median, "min": min(samples), "max": max(samples), "unit": "ms",
            "samples": len(samples), "throughput": batch * 1000 / median if batch else None}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iterations", "-n", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch-sizes", type=int, nargs="*", default=[1])
    p.add_argument("--train-batch-sizes", type=int, nargs="*", default=[16])
    p.add_argument("--arch", choices=["mb2-ssd-lite", "mb1-ssd-lite", "mb1-ssd"], default="mb2-ssd-lite")
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--input-size", type=int, default=300)
    p.add_argument("--classes", type=int, default=21)
    p.add_argument("--json")
    p.add_argument("--breakdown", action="store_true",
                   help="also report each training step's phases (forward, loss, backward, optimizer, host, cpu)")
    p.add_argument("--count-parameters", action="store_true", help="print the parameter count and exit")
    p.add_argument("--jit-freeze", action="store_true",
                   help="time the test-mode network traced, frozen and optimized for inference (no training step)")
    p.add_argument("--check-state-dict", metavar="PTH", help="load this state_dict strictly into the model and exit")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.count_parameters:
        print(sum(t.numel() for t in build_model(args).parameters()))
        return
    if args.check_state_dict:
        check_state_dict(args)
        return
    size = f"{args.input_size}x{args.input_size}"
    rows = [result("inference", f"batch {b}, {size}, BatchNorm", bench_inference(args, b), b) for b in args.batch_sizes]
    if args.jit_freeze:
        rows += [result("inference", f"batch {b}, {size}, jit frozen, test mode", bench_frozen(args, b), b) for b in args.batch_sizes]
    else:
        for b in args.train_batch_sizes:
            samples, phases = bench_train(args, b)
            rows.append(result("train", f"step, batch {b}, {size}", samples, b))
            if args.breakdown:
                rows += [result("train", f"step, batch {b}, {size}: {name}", phases[name], 0) for name in PHASES]
    malloc = {k: os.environ.get(k) for k in ("MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")}
    doc = {"torch": torch.__version__, "arch": args.arch, "threads": torch.get_num_threads(), "malloc_env": malloc, "results": rows}
    for r in rows:
        rate = f"{r['throughput']:10.2f} img/s" if r["throughput"] else ""
        print(f"{r['part']:<10} {r['case']:<40} {r['median']:10.2f} ms {rate}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)


if __name__ == "__main__":
    main()
