using System.Runtime.InteropServices;
using SsdLite.Core;
using SsdLite.Detection;
using SsdLite.Detection.Models;
using SsdLite.Platform.Engine;
using TorchSharp;
using static TorchSharp.torch;

// Loads the CUDA libtorch of a PyTorch install (args[0] = its torch/lib folder) before TorchSharp's bridge, then
// compares one SGD training step and one detection on a second device (args[1], default cuda:0) with the same on
// the CPU. With args[1] = cpu it checks itself: every difference printed must then be exactly 0.
var libDir = args[0];
foreach (var name in new[] { "libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so" })
{
    var path = Path.Combine(libDir, name);
    if (File.Exists(path)) NativeLibrary.Load(path);
    else Console.WriteLine($"missing {path}");
}
var report = TorchEngine.EnsureInitialized();
Console.WriteLine($"engine: torch {report.LibTorchVersion}, threads {report.Threads}, bridge {report.LibTorchSharpPath}");
Console.WriteLine($"cuda available: {torch.cuda.is_available()}, devices: {torch.cuda.device_count()}");
var second = args.Length > 1 ? new Device(args[1]) : new Device("cuda:0");
if (second.type == DeviceType.CUDA && !torch.cuda.is_available()) return 2;
Console.WriteLine($"comparing cpu with {second}");
foreach (var tf32 in new[] { false, true })
{
    torch.backends.cudnn.allow_tf32 = tf32;
    torch.backends.cuda.matmul.allow_tf32 = tf32;
    Console.WriteLine($"--- TF32 {(tf32 ? "on (libtorch's default for cuDNN)" : "off")}");
    TrainStep(second, batchNormTraining: true);
    TrainStep(second, batchNormTraining: false);
    Detect(second);
}
return 0;

static void TrainStep(Device second, bool batchNormTraining)
{
    using var scope = torch.NewDisposeScope();
    var config = new SsdLiteConfig(["a", "b", "c", "d", "e", "f"]);
    torch.manual_seed(1234);
    using var cpuModel = new SsdLiteModel(config);
    using var gpuModel = new SsdLiteModel(config);
    gpuModel.load_state_dict(cpuModel.state_dict());
    gpuModel.to(second);
    var gen = new torch.Generator(99);
    var x = torch.randn([4, 3, 300, 300], generator: gen);
    var labels = torch.randint(0, 7, [4, 3000], generator: gen).to(ScalarType.Int64);
    labels = torch.where(torch.rand([4, 3000], generator: gen) < 0.97, torch.zeros_like(labels), labels);
    var gtLocs = torch.randn([4, 3000, 4], generator: gen) * 0.5;
    var loss = new MultiBoxLoss();
    var grads = new Dictionary<string, Tensor>[2];
    var side = 0;
    double Step(SsdLiteModel model, Device device, out double after)
    {
        model.train(batchNormTraining);
        using var sgd = torch.optim.SGD(model.parameters(), 0.01, momentum: 0.9, weight_decay: 4e-5);
        sgd.zero_grad();
        var outputs = model.forward(x.to(device));
        using var parts = loss.Compute(outputs.Confidences, outputs.Locations, labels.to(device), gtLocs.to(device));
        var total = parts.Total();
        total.backward();
        Console.WriteLine($"  {device}: regression {parts.Regression.cpu().item<float>():R} classification {parts.Classification.cpu().item<float>():R}");
        grads[side++] = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.cpu().clone().MoveToOuterDisposeScope());
        sgd.step();
        var before = total.cpu().item<float>();
        using (torch.no_grad())
        {
            model.eval();
            var o2 = model.forward(x.to(device));
            using var p2 = loss.Compute(o2.Confidences, o2.Locations, labels.to(device), gtLocs.to(device));
            after = p2.Total().cpu().item<float>();
        }
        return before;
    }
    var cpuLoss = Step(cpuModel, torch.CPU, out var cpuAfter);
    var gpuLoss = Step(gpuModel, second, out var gpuAfter);
    var gradRows = new List<(string, double, double)>();
    foreach (var (k, g) in grads[0])
    {
        var d = (g - grads[1][k]).norm().item<float>();
        gradRows.Add((k, d, g.norm().item<float>()));
    }
    foreach (var (k, d, m) in gradRows.OrderByDescending(r => r.Item2 / Math.Max(r.Item3, 1e-12)).Take(4))
        Console.WriteLine($"  grad {k}: ||diff|| {d:E2}, ||grad|| {m:E2}");
    var big = gradRows.Where(r => r.Item3 > 1e-3).Max(r => r.Item2 / r.Item3);
    Console.WriteLine($"  grads: largest ||cpu - second|| / ||cpu|| over tensors with ||grad|| > 1e-3: {big:E2}");
    var rows = new List<(string, double, double)>();
    var maxParam = 0.0; var maxRel = 0.0;
    var cpuState = cpuModel.state_dict(); var gpuState = gpuModel.state_dict();
    foreach (var (k, v) in cpuState)
    {
        if (k.Contains("running_")) continue;
        if (!v.is_floating_point()) continue;
        var diff = (v - gpuState[k].cpu()).abs().max().item<float>();
        var scale = v.abs().max().item<float>();
        maxParam = Math.Max(maxParam, diff);
        rows.Add((k, diff, scale));
        if (scale > 0) maxRel = Math.Max(maxRel, diff / scale);
    }
    foreach (var (k, d, m) in rows.OrderByDescending(r => r.Item2).Take(4))
        Console.WriteLine($"  state {k}: max |diff| {d:E2}, max |value| {m:E2}");
    Console.WriteLine($"train step (mb2-ssd-lite, batch 4, 300x300, SGD momentum 0.9, BatchNorm {(batchNormTraining ? "batch statistics" : "running statistics")}): loss cpu {cpuLoss:R} {second} {gpuLoss:R} |diff| {Math.Abs(cpuLoss - gpuLoss):E2}");
    Console.WriteLine($"  after the step: loss cpu {cpuAfter:R} {second} {gpuAfter:R} |diff| {Math.Abs(cpuAfter - gpuAfter):E2}; parameters max |diff| {maxParam:E2}, max diff/max|value| per tensor {maxRel:E2}");
}

static void Detect(Device second)
{
    var config = new SsdLiteConfig(["a", "b", "c", "d", "e", "f"]);
    torch.manual_seed(4321);
    using var model = new SsdLiteModel(config);
    var gen = new torch.Generator(7);
    var input = torch.rand([2, 3, 300, 300], generator: gen).mul(2).sub(1).data<float>().ToArray();
    using var cpu = new Detector(model, device: torch.CPU);
    var cpuRaw = cpu.Predict(input, 2);
    using var gpu = new Detector(model, device: second);
    var secondRaw = gpu.Predict(input, 2);
    var s = MaxDiff(cpuRaw.Scores, secondRaw.Scores);
    var b = MaxDiff(cpuRaw.Boxes, secondRaw.Boxes);
    Console.WriteLine($"detect (folded, batch 2): scores max |diff| {s:E2}, boxes max |diff| {b:E2}, gpu layout {gpu.Layout}");
}

static double MaxDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
{
    if (a.Length != b.Length) throw new InvalidOperationException($"lengths {a.Length} != {b.Length}");
    var m = 0.0;
    for (var i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
    return m;
}
