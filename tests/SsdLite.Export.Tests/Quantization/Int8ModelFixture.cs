using SsdLite.Detection;
using SsdLite.Export.Quantization;

namespace SsdLite.Export.Tests.Quantization;

/// <summary>
/// The reference's trained c7 detector exported once as float and once as int8, calibrated on the tiny shape set's
/// train split (24 images); its val and test splits and the oracle photo are held out for comparison.
/// </summary>
public sealed class Int8ModelFixture : IDisposable
{
    private readonly TempFolder folder = new("int8-c7");

    public Int8ModelFixture()
    {
        var labels = TestFiles.C7Labels();
        using var model = Detector.LoadModel(TestFiles.Oracle("trained-c7.pth"), labels);
        OnnxExporter.Export(model, FloatPath);
        var calibration = folder["calibration"];
        Directory.CreateDirectory(calibration);
        foreach (var id in Split("train")) File.Copy(Tiny(id), Path.Combine(calibration, Path.GetFileName(Tiny(id))));
        Result = Int8OnnxExporter.Export(model, Int8Path, new Int8ExportOptions { CalibrationPaths = [calibration] });
    }

    public string FloatPath => folder["c7.onnx"];

    public string Int8Path => folder["c7-int8.onnx"];

    public Int8ExportResult Result { get; }

    /// <summary>Images calibration never saw: the tiny set's val and test splits and the oracle photo.</summary>
    public static IReadOnlyList<string> HeldOut() =>
        [.. Split("val").Concat(Split("test")).Select(Tiny), TestFiles.Oracle("image.jpg")];

    private static IEnumerable<string> Split(string name) =>
        File.ReadAllLines(TestFiles.Data(Path.Combine("tiny", "ImageSets", "Main", name + ".txt"))).Select(l => l.Trim()).Where(l => l.Length > 0);

    private static string Tiny(string id) => TestFiles.Data(Path.Combine("tiny", "JPEGImages", id + ".jpg"));

    public void Dispose() => folder.Dispose();
}
