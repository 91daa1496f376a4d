using System.Globalization;
using SsdLite.Core;
using SsdLite.Detection;
using SsdLite.Data;
using SsdLite.Detection.Models;
using YamlDotNet.RepresentationModel;

namespace SsdLite.Tools.Training;

/// <summary>Learning-rate schedule over the whole run (stepped once per iteration).</summary>
public enum ScheduleKind
{
    Cosine,
    MultiStep,
    Constant,
}

/// <summary>The optimizer: the reference's SGD with momentum, or AdamW (momentum is its β1, weight decay decoupled).</summary>
public enum OptimizerKind
{
    Sgd,
    Adamw,
}

/// <summary>
/// Every setting of a training run. A YAML config sets any of them by its key (snake_case), the command line
/// overrides them (named flags, or <c>--set key=value</c> for any key); an unknown key is an error naming it.
/// </summary>
public sealed class TrainOptions
{
    // model
    /// <summary>The detector: mb2-ssd-lite (the default), mb1-ssd-lite or mb1-ssd.</summary>
    public SsdArch Arch { get; set; } = SsdArch.Mb2SsdLite;

    public double Width { get; set; } = 1.0;
    public int InputSize { get; set; } = 300;
    public ChannelRounding Rounding { get; set; } = ChannelRounding.MakeDivisible;

    // data
    public List<string> Data { get; set; } = [];
    public string TrainSplit { get; set; } = "trainval";
    public string? ValData { get; set; }
    public string ValSplit { get; set; } = "test";
    public string? Labels { get; set; }

    /// <summary>The data's format (voc, coco or yolo); null tells it from the first data path.</summary>
    public DatasetFormat? Format { get; set; }

    /// <summary>COCO data: the folder the files' file_name is relative to; null: each JSON file's own folder.</summary>
    public string? Images { get; set; }

    public bool KeepDifficult { get; set; }
    public bool Strict { get; set; }
    public int Workers { get; set; } = 2;

    /// <summary>
    /// Prior box sizes as fractions of the input side, one more than the sources (source k spans s[k]..s[k+1]);
    /// empty keeps the reference's table (60..330 px at 300) scaled to the input size.
    /// </summary>
    public List<double> PriorSizes { get; set; } = [];

    /// <summary>Prior aspect ratios besides the two squares (each r gives r:1 and 1:r).</summary>
    public List<double> AspectRatios { get; set; } = [2, 3];

    // optimisation
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Sgd;

    /// <summary>AdamW's β2 (its β1 is <see cref="Momentum"/>).</summary>
    public double Beta2 { get; set; } = 0.999;

    public int Epochs { get; set; } = 200;
    public int BatchSize { get; set; } = 32;

    /// <summary>fp32 (the default) or bf16: the forward pass under libtorch's CPU autocast, float32 master weights.</summary>
    public TrainPrecision Precision { get; set; } = TrainPrecision.Fp32;
    public double Lr { get; set; } = 0.01;
    public double Momentum { get; set; } = 0.9;
    public double WeightDecay { get; set; } = 5e-4;
    public ScheduleKind Scheduler { get; set; } = ScheduleKind.Cosine;
    public List<int> Milestones { get; set; } = [120, 160];
    public double Gamma { get; set; } = 0.1;
    public double WarmupEpochs { get; set; }
    public double WarmupFactor { get; set; } = 0.1;

    /// <summary>
    /// The epochs the cosine decay spans (the reference's --t_max); null spans the run. Set above
    /// <see cref="Epochs"/> to follow a long recipe's schedule for its first epochs only.
    /// </summary>
    public int? TMax { get; set; }

    // run
    public ulong Seed { get; set; }
    public string Device { get; set; } = "cpu";
    public string Out { get; set; } = "runs/train";
    public int ValEvery { get; set; } = 5;
    public int ValMaxImages { get; set; }
    public string? Pretrained { get; set; }
    public double? MaxMinutes { get; set; }
    public int LogEverySeconds { get; set; } = 10;

    /// <summary>Also keep checkpoints/epoch-K.ckpt every this many epochs (0: only last and best).</summary>
    public int SaveEvery { get; set; }

    /// <summary>SSD's zoom-out: the largest canvas side relative to the image (1 disables it).</summary>
    public double ExpandMaxRatio { get; set; } = 4;

    /// <summary>How often the zoom-out is applied.</summary>
    public double ExpandProbability { get; set; } = 0.5;

    /// <summary>SSD's random crop: the smallest window side relative to the image (SSD's 0.3 zooms in up to 3.3x).</summary>
    public double CropMinScale { get; set; } = 0.3;

    /// <summary>
    /// The crop window's largest height/width ratio (or its inverse); SSD's 2. The window is resized to the square
    /// input, so this is also the largest aspect distortion a shape sees in training.
    /// </summary>
    public double CropMaxAspect { get; set; } = 2;

    // fine-tuning (the reference's train_ssd.py options)
    /// <summary>The backbone (base_net) is not trained: no gradient, no optimizer state, no weight decay.</summary>
    public bool FreezeBaseNet { get; set; }

    /// <summary>Only the prediction heads are trained: the backbone and the extras are frozen.</summary>
    public bool FreezeNet { get; set; }

    /// <summary>
    /// Frozen parts' BatchNorm layers stay in eval mode, so their running statistics stay put too; false gives the
    /// reference's behaviour, where they keep updating in training mode.
    /// </summary>
    public bool FreezeBn { get; set; } = true;

    /// <summary>The backbone's learning rate; null: <see cref="Lr"/>.</summary>
    public double? BaseNetLr { get; set; }

    /// <summary>The extras' learning rate (the reference's extras and source-layer add-ons); null: <see cref="Lr"/>.</summary>
    public double? ExtraLayersLr { get; set; }

    /// <summary>Sample images weighted by the inverse frequency of their rarest class, so each class is seen about equally.</summary>
    public bool BalanceData { get; set; }

    /// <summary>
    /// The largest width x height a training or validation image's header may declare; an image declaring more
    /// (a decompression bomb) is named and skipped like any unreadable one. Default: ImageIO's (40 megapixels, or
    /// SSDLITE_MAX_PIXELS).
    /// </summary>
    public long MaxPixels { get; set; } = SsdLite.Vision.ImageIO.MaxPixels;

    /// <summary>The keys a config may set.</summary>
    public static IReadOnlyCollection<string> Keys => [.. TrainOptionsYaml.Properties.Keys];

    /// <summary>Sets one key from its command-line text (lists comma-separated); unknown keys and bad values throw naming the key.</summary>
    public void Set(string key, string value, string source) =>
        TrainOptionsYaml.Bind(this, key, TrainOptionsYaml.CommandLineNode(key, value.Trim(), source), source);

    /// <summary>Applies "key=value" overrides (from <c>--set</c>).</summary>
    public void Apply(IEnumerable<string> assignments)
    {
        foreach (var a in assignments)
        {
            var eq = a.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new ConfigException($"--set {a}: expected KEY=VALUE");
            Set(a[..eq].Trim(), a[(eq + 1)..], "--set");
        }
    }

    /// <summary>Reads a YAML config file (a mapping of keys to values) over the defaults.</summary>
    public static TrainOptions Load(string path)
    {
        if (!File.Exists(path)) throw new ConfigException($"config file not found: {path}");
        var options = new TrainOptions();
        options.ApplyYaml(File.ReadAllText(path), path);
        return options;
    }

    /// <summary>Applies YAML text; <paramref name="source"/> names it in errors.</summary>
    public void ApplyYaml(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigException($"{source}: not valid YAML at line {e.Start.Line}: {e.Message}");
        }
        if (stream.Documents.Count == 0) return;
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException($"{source}: expected a mapping of keys to values at the top level");
        foreach (var (keyNode, valueNode) in root.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? throw new ConfigException($"{source}:{keyNode.Start.Line}: a key must be a plain name");
            TrainOptionsYaml.Bind(this, key, valueNode, $"{source}:{keyNode.Start.Line}");
        }
    }

    /// <summary>The settings as YAML, as the run folder records them: every key, in declaration order.</summary>
    public string ToYaml() => TrainOptionsYaml.Write(this);

    /// <summary>Checks ranges once, before any work starts.</summary>
    public void Validate()
    {
        if (Data.Count == 0) throw new ConfigException("no training data: pass --data PATH (a VOC root, a COCO .json or a YOLO data.yaml) or set 'data' in the config");
        Require(Width > 0, "width", Width);
        Require(InputSize >= 32, "input_size", InputSize);
        Require(Epochs >= 1, "epochs", Epochs);
        Require(BatchSize >= 2, "batch_size", BatchSize);
        Require(Lr > 0, "lr", Lr);
        Require(Workers >= 1, "workers", Workers);
        Require(MaxPixels >= 1, "max_pixels", MaxPixels);
        Require(ValEvery >= 0, "val_every", ValEvery);
        Require(WarmupEpochs >= 0, "warmup_epochs", WarmupEpochs);
        Require(TMax is null or >= 1, "t_max", TMax ?? 0);
        Require(SaveEvery >= 0, "save_every", SaveEvery);
        Require(MaxMinutes is null or > 0, "max_minutes", MaxMinutes ?? 0);
        Require(ExpandMaxRatio >= 1, "expand_max_ratio", ExpandMaxRatio);
        Require(ExpandProbability is >= 0 and <= 1, "expand_probability", ExpandProbability);
        Require(CropMinScale is > 0 and <= 1, "crop_min_scale", CropMinScale);
        Require(CropMaxAspect >= 1, "crop_max_aspect", CropMaxAspect);
        Require(Beta2 is >= 0 and < 1, "beta2", Beta2);
        Require(Optimizer != OptimizerKind.Adamw || Momentum is >= 0 and < 1, "momentum", Momentum);
        Require(AspectRatios.All(r => r > 0), "aspect_ratios", string.Join(", ", AspectRatios));
        Require(BaseNetLr is null or >= 0, "base_net_lr", BaseNetLr ?? 0);
        Require(ExtraLayersLr is null or >= 0, "extra_layers_lr", ExtraLayersLr ?? 0);
        // The reference reads the two as alternatives (if/elif); both set is more likely a slip than a wish.
        if (FreezeBaseNet && FreezeNet)
            throw new ConfigException("'freeze_base_net' and 'freeze_net' are both set: freeze_net already freezes the base net and the extras; set one");
        ValidatePriorSizes();
    }

    private void ValidatePriorSizes()
    {
        var sources = PriorSpec.Reference.Sources.Count;
        if (PriorSizes.Count == 0) return;
        var increasing = PriorSizes.Zip(PriorSizes.Skip(1)).All(p => p.First < p.Second);
        if (PriorSizes.Count != sources + 1 || PriorSizes[0] <= 0 || !increasing)
        {
            throw new ConfigException($"'prior_sizes' has an invalid value: {string.Join(", ", PriorSizes.Select(Text))} " +
                $"(expected {sources + 1} increasing positive fractions of the input side: source k spans s[k]..s[k+1])");
        }
    }

    /// <summary>The model these settings describe: architecture, width, input size, rounding and priors.</summary>
    public SsdLiteConfig ModelConfig(IReadOnlyList<string> classNames)
    {
        var plain = new SsdLiteConfig(classNames, Width, InputSize, Rounding, arch: Arch);
        var reference = PriorSpec.Reference;
        if (PriorSizes.Count == 0 && AspectRatios.SequenceEqual(reference.AspectRatios.Select(r => (double)r))) return plain;
        var features = plain.FeatureMapSizes();
        var fractions = PriorSizes.Count > 0
            ? PriorSizes
            : reference.Sources.Select(b => (double)b.MinSize / reference.ImageSize).Append(reference.Sources[^1].MaxSize / (double)reference.ImageSize).ToList();
        var sources = features.Select((f, k) => new FeatureMapPriors(f, InputSize / (float)f, (float)(fractions[k] * InputSize), (float)(fractions[k + 1] * InputSize))).ToList();
        var spec = new PriorSpec(InputSize, sources, AspectRatios.Select(r => (float)r).ToList(), reference.CenterVariance, reference.SizeVariance);
        return new SsdLiteConfig(classNames, Width, InputSize, Rounding, spec, Arch);
    }

    private static void Require(bool ok, string key, object value)
    {
        if (!ok) throw new ConfigException($"'{key}' has an invalid value: {Convert.ToString(value, CultureInfo.InvariantCulture)}");
    }

    private static string Text(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A config or command-line setting that cannot be used; the message names the key and the source.</summary>
public sealed class ConfigException(string message) : Exception(message);
