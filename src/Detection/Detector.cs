using System.Runtime.InteropServices;
using SsdLite.Core;
using SsdLite.Detection.Models;
using SsdLite.Platform.Checkpoints;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Detection;

/// <summary>
/// The inference API: weights + labels in, detections in original-image pixels out. Test transform, forward in
/// eval mode without gradients, softmax, box decoding and per-class NMS. <see cref="ObjectDetector.Detect(Image)"/> and
/// <see cref="Predict"/> may be called from several threads at once: each call opens its own dispose scope and
/// no-grad guard (both are per thread in TorchSharp), frees every tensor it made before it returns, and only reads
/// the network.
/// </summary>
public sealed class Detector : ObjectDetector
{
    private readonly SsdLiteModel model;
    private readonly nn.Module<Tensor, HeadOutputs> network;
    private readonly float[] priors;
    private readonly BoxCoder coder;

    /// <summary>
    /// Takes ownership of <paramref name="model"/> and puts it in eval mode on <paramref name="device"/> (the CPU by
    /// default; a CUDA device must be available, see <see cref="Devices.EnsureAvailable"/>). With
    /// <paramref name="foldBatchNorm"/> inference runs on a copy whose BatchNorms are folded into the convolutions
    /// (the same function, one memory pass less per layer).
    /// </summary>
    public Detector(SsdLiteModel model, PostProcessor? postProcessor = null, Device? device = null, bool foldBatchNorm = true)
        : base(InputSizeOf(model), postProcessor ?? new PostProcessor(labels: Labels(model.Config)))
    {
        Device = Devices.EnsureAvailable(device ?? CPU);
        this.model = model;
        // oneDNN runs NHWC convolutions without layout conversions (docs/benchmarks.md, Inference); the folded copy is
        // the detector's own, so only it changes layout. The unfolded model stays NCHW for callers that train it.
        Layout = foldBatchNorm && Device.type == DeviceType.CPU ? MemoryFormat.ChannelsLast : MemoryFormat.Contiguous;
        model.eval();
        network = foldBatchNorm ? BatchNormFolding.Fold(model) : model;
        network.to(Device);
        network.to(Layout);
        network.eval();
        priors = model.Config.GeneratePriors();
        coder = new BoxCoder(model.Config.Priors);
    }

    private static int InputSizeOf(SsdLiteModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Config.InputSize;
    }

    /// <summary>The model's configuration (architecture, width, input size, priors, classes).</summary>
    public SsdLiteConfig Config => model.Config;

    /// <summary>The detector's model as given, unfolded (inference runs on a BatchNorm-folded copy of it unless the detector was made without folding).</summary>
    public SsdLiteModel Model => model;

    /// <inheritdoc />
    public override IReadOnlyList<string> ClassNames => model.Config.ClassNames;

    /// <summary>The device the network runs on.</summary>
    public Device Device { get; }

    /// <summary>The activation layout inference runs in: channels last for the folded network on the CPU.</summary>
    public MemoryFormat Layout { get; }

    /// <summary>Class names indexed by class id, BACKGROUND first, as the post-processor labels detections.</summary>
    public static IReadOnlyList<string> Labels(SsdLiteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return ClassLabels.WithBackground(config.ClassNames);
    }

    /// <summary>
    /// Loads the project's checkpoints (config included) or a reference detector's .pth (labels required, architecture
    /// told from its keys unless <paramref name="arch"/> names it, width read from the stem, the reference's truncating
    /// channel rounding) as a detector: <see cref="LoadModel"/>'s network on <paramref name="device"/>.
    /// </summary>
    public static Detector Load(string weightsPath, IReadOnlyList<string>? labels = null, Device? device = null, bool foldBatchNorm = true,
        SsdArch? arch = null)
    {
        // Before reading anything: a missing GPU is the user's first problem to hear about.
        var target = Devices.EnsureAvailable(device ?? CPU);
        var model = LoadModel(weightsPath, labels, arch);
        try
        {
            return new Detector(model, device: target, foldBatchNorm: foldBatchNorm);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The unfolded network of a checkpoint or a reference .pth, with its weights, in eval mode; the caller owns it.
    /// Labels and architecture apply as in <see cref="Load"/>, which runs on this, as export does.
    /// </summary>
    public static SsdLiteModel LoadModel(string weightsPath, IReadOnlyList<string>? labels = null, SsdArch? arch = null)
    {
        using var weights = ModelWeights.Read(weightsPath);
        var model = new SsdLiteModel(ConfigFor(weights, labels, arch));
        try
        {
            weights.LoadInto(model);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The config a weights file needs: its own (a checkpoint), or one made from the reference's defaults.</summary>
    public static SsdLiteConfig ConfigFor(ModelWeights weights, IReadOnlyList<string>? labels, SsdArch? arch = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        switch (weights.Format)
        {
            case WeightsFormat.SsdLiteCheckpoint:
                var config = weights.Config!;
                if (arch is { } named && named != config.Arch)
                    throw new ArgumentException($"{weights.Path} is a {config.Arch.Name()} checkpoint, not {named.Name()}", nameof(arch));
                if (labels is null) return config;
                if (labels.Count != config.ClassNames.Count)
                    throw new ArgumentException($"{weights.Path} was trained for {config.ClassNames.Count} classes, the labels name {labels.Count}", nameof(labels));
                return config.WithClassNames(labels);
            case WeightsFormat.ReferencePth:
                var resolved = ReferenceArch(weights, arch);
                var classes = weights.ReferenceObjectClassCount();
                if (labels is null)
                    throw new ArgumentException($"{weights.Path} is a PyTorch state_dict for {classes} object classes: give its labels file", nameof(labels));
                if (labels.Count != classes)
                    throw new ArgumentException($"{weights.Path} has {classes} object classes, the labels name {labels.Count}", nameof(labels));
                var width = weights.ReferenceWidth();
                return new SsdLiteConfig(labels, width, 300, width == 1.0 ? ChannelRounding.MakeDivisible : ChannelRounding.Truncate,
                    arch: resolved);
            case WeightsFormat.TorchvisionPth:
                throw new InvalidDataException($"{weights.Path} holds torchvision mobilenet_v2 weights (a backbone, not a detector); use it with train --pretrained");
            default:
                throw new InvalidDataException($"{weights.Path} holds a backbone's weights alone (a base net, not a detector); use it with train --pretrained");
        }
    }

    /// <summary>The architecture of a reference .pth: as its keys tell, or as named where they do not.</summary>
    private static SsdArch ReferenceArch(ModelWeights weights, SsdArch? arch)
    {
        var fromKeys = weights.ReferenceArch();
        if (arch is { } n && fromKeys is { } k && n != k)
            throw new ArgumentException($"{weights.Path} has the keys of {k.Name()}, not {n.Name()}", nameof(arch));
        return arch ?? fromKeys ?? throw new ArgumentException(
            $"{weights.Path}: cannot tell the architecture of this PyTorch state_dict from its keys; name it with --arch ({SsdArchs.Names})",
            nameof(arch));
    }

    /// <summary>Forward pass on normalised input (N×3×S×S): softmax scores and decoded boxes, as the reference's test mode.</summary>
    public override RawPredictions Predict(ReadOnlySpan<float> input, int batchSize)
    {
        CheckInput(input, batchSize);
        var s = Config.InputSize;
        var priorCount = priors.Length / 4;
        var classes = Config.ClassCountWithBackground;
        float[] scores, locations;
        // Gradient mode and dispose scopes are per thread: concurrent calls neither record graphs nor free each other's tensors.
        using (no_grad())
        using (NewDisposeScope())
        {
            var x = TensorBytes.Create(MemoryMarshal.AsBytes(input), [batchSize, 3, s, s], ScalarType.Float32).to(Device).contiguous(Layout);
            var outputs = network.forward(x);
            scores = SsdLiteModel.Scores(outputs).contiguous().cpu().data<float>().ToArray();
            locations = outputs.Locations.contiguous().cpu().data<float>().ToArray();
        }
        var boxes = new float[locations.Length];
        for (var i = 0; i < batchSize; i++)
        {
            coder.Decode(locations.AsSpan(i * priorCount * 4, priorCount * 4), priors, boxes.AsSpan(i * priorCount * 4, priorCount * 4));
        }
        return new RawPredictions(batchSize, priorCount, classes, scores, boxes);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        if (!ReferenceEquals(network, model)) network.Dispose();
        model.Dispose();
    }
}
