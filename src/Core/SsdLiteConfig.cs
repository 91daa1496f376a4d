using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SsdLite.Runtime;

namespace SsdLite.Core;

/// <summary>
/// Everything needed to rebuild a detector: architecture, classes, width multiplier, input size, channel rounding and
/// the prior spec. Checkpoints carry it, so detect and eval need no model flags.
/// </summary>
public sealed record SsdLiteConfig
{
    /// <summary>
    /// A configuration for <paramref name="classNames"/> (background excluded); the rest defaults to the reference's
    /// MobileNetV2 SSD-Lite at 300x300.
    /// </summary>
    public SsdLiteConfig(IReadOnlyList<string> classNames, double width = 1.0, int inputSize = 300,
        ChannelRounding rounding = ChannelRounding.MakeDivisible, PriorSpec? priors = null, SsdArch arch = SsdArch.Mb2SsdLite)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (!Enum.IsDefined(arch)) throw new ArgumentOutOfRangeException(nameof(arch), arch, "unknown architecture");
        if (classNames.Count == 0) throw new ArgumentException("at least one object class is needed", nameof(classNames));
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "width multiplier must be positive");
        if (inputSize < 32) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "input size must be at least 32");
        ClassNames = classNames;
        Width = width;
        InputSize = inputSize;
        Rounding = rounding;
        Priors = priors ?? PriorSpec.Reference;
        Arch = arch;
    }

    /// <summary>The detector architecture (MobileNetV2 SSD-Lite unless a config or checkpoint says otherwise).</summary>
    public SsdArch Arch { get; }

    /// <summary>Object classes without the background (class id k is ClassNames[k - 1]).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The backbone's width multiplier.</summary>
    public double Width { get; }

    /// <summary>The side of the square network input, in pixels.</summary>
    public int InputSize { get; }

    /// <summary>How scaled channel counts are rounded.</summary>
    public ChannelRounding Rounding { get; }

    /// <summary>Prior sizes in pixels at the spec's own image size; scaled by InputSize / ImageSize.</summary>
    public PriorSpec Priors { get; }

    /// <summary>The same model for other object classes (the same count to load its weights).</summary>
    public SsdLiteConfig WithClassNames(IReadOnlyList<string> classNames) =>
        new(classNames, Width, InputSize, Rounding, Priors, Arch);

    /// <summary>Classes counting the background as class 0.</summary>
    public int ClassCountWithBackground => ClassNames.Count + 1;

    /// <summary>The label of a class id (0 is BACKGROUND).</summary>
    public string Label(int classId) => classId == 0 ? ClassLabels.Background : ClassNames[classId - 1];

    /// <summary>
    /// Side of each source map for this input size, from the network's strides: every stride-2 layer
    /// (3x3, padding 1) maps n to ⌊(n − 1) / 2⌋ + 1; the stride-16 tap follows four of them, then one per source.
    /// Both backbones have the same strides (MobileNetV2's tap is inside block 14, before its stride-2 conv;
    /// MobileNetV1's is block 11's output, before block 12's), so this holds for every architecture.
    /// </summary>
    public int[] FeatureMapSizes()
    {
        var sizes = new int[Priors.Sources.Count];
        var n = InputSize;
        for (var i = 0; i < 4; i++) n = Halve(n);
        for (var k = 0; k < sizes.Length; k++)
        {
            sizes[k] = n;
            n = Halve(n);
        }
        return sizes;
    }

    private static int Halve(int n) => (n - 1) / 2 + 1;

    /// <summary>Center-form priors for this input size, in head order.</summary>
    public float[] GeneratePriors() =>
        InputSize == Priors.ImageSize && FeatureMapSizes().SequenceEqual(Priors.FeatureMapSizes())
            ? PriorGenerator.Generate(Priors)
            : PriorGenerator.Generate(Priors, InputSize, FeatureMapSizes());

    /// <summary>The configuration as JSON (what checkpoints store).</summary>
    public string ToJson() => JsonSerializer.Serialize(new Dto(this), JsonOptions);

    /// <summary>Reads a configuration written by <see cref="ToJson"/>.</summary>
    public static SsdLiteConfig FromJson(string json)
    {
        var dto = JsonSerializer.Deserialize<Dto>(json, JsonOptions) ?? throw new FormatException("empty model config");
        return dto.ToConfig();
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private sealed class Dto
    {
        public Dto() { }

        public Dto(SsdLiteConfig c)
        {
            Arch = c.Arch.Name();
            ClassNames = c.ClassNames.ToList();
            Width = c.Width;
            InputSize = c.InputSize;
            Rounding = c.Rounding;
            ImageSize = c.Priors.ImageSize;
            Sources = c.Priors.Sources.Select(s => new[] { s.FeatureMapSize, s.Shrinkage, s.MinSize, s.MaxSize }).ToList();
            AspectRatios = c.Priors.AspectRatios.ToList();
            CenterVariance = c.Priors.CenterVariance;
            SizeVariance = c.Priors.SizeVariance;
        }

        /// <summary>Absent from checkpoints written before there was a choice: those are MobileNetV2 SSD-Lite.</summary>
        public string Arch { get; set; } = SsdArch.Mb2SsdLite.Name();

        public List<string> ClassNames { get; set; } = new();
        public double Width { get; set; } = 1;
        public int InputSize { get; set; } = 300;
        public ChannelRounding Rounding { get; set; }
        public int ImageSize { get; set; } = 300;
        public List<float[]> Sources { get; set; } = new();
        public List<float> AspectRatios { get; set; } = new();
        public float CenterVariance { get; set; } = 0.1f;
        public float SizeVariance { get; set; } = 0.2f;

        public SsdLiteConfig ToConfig()
        {
            if (Sources.Any(s => s.Length != 4))
                throw new FormatException("model config: each prior source needs [feature size, shrinkage, min size, max size]");
            var spec = new PriorSpec(ImageSize,
                Sources.Select(s => new FeatureMapPriors((int)s[0], s[1], s[2], s[3])).ToList(), AspectRatios, CenterVariance, SizeVariance);
            if (!SsdArchs.TryParse(Arch, out var arch))
                throw new FormatException($"model config: unknown architecture '{Arch}' (known: {SsdArchs.Names})");
            return new SsdLiteConfig(ClassNames, Width, InputSize, Rounding, spec, arch);
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Arch.Name()} width {Width}, input {InputSize}, {ClassCountWithBackground} classes ({Rounding})");
}
