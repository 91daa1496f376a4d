using SsdLite.Core;
using SsdLite.Detection.Models;
using SsdLite.Export.Quantization;

namespace SsdLite.Export.Tests.Quantization;

/// <summary>Calibration input that cannot calibrate is refused with the path and the problem, and nothing is written.</summary>
public sealed class CalibrationInputTests
{
    [Fact]
    public void AnEmptyFolderAFolderOfNonImagesAndUnreadableImagesAreNamed()
    {
        using var folder = new TempFolder("int8-bad");
        var empty = Directory.CreateDirectory(folder["empty"]).FullName;
        var text = Directory.CreateDirectory(folder["text"]).FullName;
        File.WriteAllText(Path.Combine(text, "notes.txt"), "not an image\n");
        var fake = Directory.CreateDirectory(folder["fake"]).FullName;
        File.WriteAllText(Path.Combine(fake, "a.jpg"), "not a JPEG\n");
        File.WriteAllBytes(Path.Combine(fake, "b.png"), [0x89, 0x50, 0x4e, 0x47]);

        AssertRefused([empty], null, empty, "holds no image files");
        AssertRefused([text], null, text, "holds no image files");
        AssertRefused([folder["missing"]], null, folder["missing"], "no such file or folder");
        var e = AssertRefused([fake], null, "a.jpg", "only 0 of the 2 image files found could be read");
        Assert.Contains("asked for 2", e.Message);
    }

    [Fact]
    public void MoreImagesThanTheFolderHoldsIsAnError()
    {
        using var folder = new TempFolder("int8-few");
        var images = Directory.CreateDirectory(folder["images"]).FullName;
        File.Copy(TestFiles.Oracle("image.jpg"), Path.Combine(images, "one.jpg"));
        File.Copy(TestFiles.Oracle("image.jpg"), Path.Combine(images, "two.jpg"));
        AssertRefused([images], 3, images, "3 calibration images asked for", "only 2 image files");
        // One unreadable file among three: asking for all three fails, naming it; asking for two skips it.
        File.WriteAllText(Path.Combine(images, "three.jpg"), "not a JPEG\n");
        AssertRefused([images], 3, "three.jpg", "only 2 of the 3 image files found could be read");
        var result = Export([images], 2, folder["ok.onnx"]);
        Assert.Equal(2, result.CalibrationImages);
        Assert.Contains(result.SkippedImages, s => s.Contains("three.jpg", StringComparison.Ordinal));
        Assert.True(File.Exists(folder["ok.onnx"]));
    }

    private static CalibrationException AssertRefused(string[] paths, int? count, params string[] expected)
    {
        using var folder = new TempFolder("int8-out");
        var e = Assert.Throws<CalibrationException>(() => Export(paths, count, folder["model.onnx"]));
        foreach (var text in expected) Assert.Contains(text, e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
        return e;
    }

    // A small random network: calibration input is checked before and during calibration, whatever the weights.
    private static Int8ExportResult Export(string[] paths, int? count, string output)
    {
        torch.manual_seed(3);
        using var model = new SsdLiteModel(new SsdLiteConfig(TestFiles.Names(2), 0.25, 96, SsdLite.Core.ChannelRounding.Truncate));
        model.eval();
        return Int8OnnxExporter.Export(model, output, new Int8ExportOptions { CalibrationPaths = paths, ImageCount = count });
    }
}
