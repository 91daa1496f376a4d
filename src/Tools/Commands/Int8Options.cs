using System.CommandLine;
using System.Globalization;
using SsdLite.Detection.Models;
using SsdLite.Export;
using SsdLite.Export.Quantization;

namespace SsdLite.Tools.Commands;

/// <summary><c>export</c>'s int8 options, and the calibration run with its progress on the console.</summary>
internal sealed class Int8Options
{
    private Int8Options(Option<bool> enabled, Option<string[]> paths, Option<int?> images, Option<string> method)
    {
        Enabled = enabled;
        Paths = paths;
        Images = images;
        Method = method;
    }

    public Option<bool> Enabled { get; }

    public Option<string[]> Paths { get; }

    public Option<int?> Images { get; }

    public Option<string> Method { get; }

    public static Int8Options Create()
    {
        var enabled = new Option<bool>("--int8") { Description = "Write a calibrated int8 QDQ model (s8 per-channel weights, u8 activations) for ONNX Runtime's integer kernels" };
        var paths = new Option<string[]>("--calibration")
        {
            Description = "Calibration images: files or folders (searched recursively); use training images, not the test split",
            AllowMultipleArgumentsPerToken = true,
        };
        var images = new Option<int?>("--calibration-images")
        {
            Description = $"How many calibration images to read, spread over the sorted list (default {Int8ExportOptions.DefaultImageCount} or all if fewer)",
        };
        var method = new Option<string>("--calibration-method") { Description = "minmax, or percentile (99.999th at each end; heads keep min/max)", DefaultValueFactory = _ => "minmax" };
        method.AcceptOnlyFromAmong("minmax", "percentile");
        return new Int8Options(enabled, paths, images, method);
    }

    /// <summary>The int8 options given, or null without <c>--int8</c>; calibration options without it are an error.</summary>
    public Int8ExportOptions? Value(ParseResult r)
    {
        var paths = r.GetValue(Paths) ?? [];
        if (!r.GetValue(Enabled))
        {
            if (paths.Length > 0 || r.GetValue(Images) is not null || r.GetResult(Method) is { Implicit: false })
                throw new ArgumentException("--calibration, --calibration-images and --calibration-method go with --int8");
            return null;
        }
        return new Int8ExportOptions
        {
            CalibrationPaths = paths,
            ImageCount = r.GetValue(Images),
            Method = r.GetValue(Method) == "percentile" ? CalibrationMethod.Percentile : CalibrationMethod.MinMax,
        };
    }

    public static Int8ExportResult Export(SsdLiteModel model, string output, OnnxExportOptions options, Int8ExportOptions int8)
    {
        var lastLine = DateTime.MinValue;
        var result = Int8OnnxExporter.Export(model, output, int8, options, p =>
        {
            if (p.Skipped is { } skipped)
            {
                Console.Error.WriteLine($"export: skipped {skipped}");
                return;
            }
            if (DateTime.UtcNow - lastLine < TimeSpan.FromSeconds(2) && p.Done != p.Total) return;
            lastLine = DateTime.UtcNow;
            var pass = p.Passes > 1 ? string.Create(CultureInfo.InvariantCulture, $" (pass {p.Pass}/{p.Passes})") : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"export: calibrating {p.Done}/{p.Total} images{pass}"));
        });
        var skippedNote = result.SkippedImages.Count > 0 ? $" ({result.SkippedImages.Count} unreadable skipped)" : "";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"export: int8 QDQ, {result.QuantizedConvs} convolutions and {result.QuantizedTensors} activations quantised, calibrated on {result.CalibrationImages} images{skippedNote}"));
        return result;
    }
}
