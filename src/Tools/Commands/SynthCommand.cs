using System.CommandLine;
using SsdLite.Data;
using SsdLite.Data.Synthetic;

namespace SsdLite.Tools.Commands;

/// <summary><c>ssdlite synth --out DIR [--images N] [--seed S] [--size PX | --width PX --height PX]</c>: a synthetic VOC-format dataset of shapes.</summary>
internal static class SynthCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Folder to write the VOC tree into (JPEGImages, Annotations, ImageSets/Main, labels.txt)", Required = true };
        var images = new Option<int>("--images") { Description = "Number of images", DefaultValueFactory = _ => 200 };
        var seed = new Option<int>("--seed") { Description = "Seed; the same seed writes byte-identical files", DefaultValueFactory = _ => 0 };
        var size = new Option<int>("--size") { Description = "Nominal image side in pixels; each image's sides vary by up to 20% around it", DefaultValueFactory = _ => 300 };
        var width = new Option<int?>("--width") { Description = "Nominal image width in pixels (instead of --size; VOC's photos are about 500x375)" };
        var height = new Option<int?>("--height") { Description = "Nominal image height in pixels (instead of --size)" };
        var command = new Command("synth", "Write a synthetic VOC-format dataset (shapes on cluttered backgrounds; train/val/test splits)")
        {
            outDir, images, seed, size, width, height,
        };
        command.SetAction(r => CommandRunner.Run("synth", () => Execute(r.GetValue(outDir)!, r.GetValue(images), r.GetValue(seed),
            r.GetValue(width) ?? r.GetValue(size), r.GetValue(height) ?? r.GetValue(size))));
        return command;
    }

    private static int Execute(string outDir, int images, int seed, int width, int height)
    {
        if (images < 1) throw new ArgumentException($"--images must be at least 1, got {images}");
        if (Math.Min(width, height) < 32) throw new ArgumentException($"--size, --width and --height must be at least 32 pixels, got {width}x{height}");
        var summary = SyntheticVoc.Generate(new SyntheticVocOptions { Images = images, Seed = seed, Width = width, Height = height }, outDir);
        Console.WriteLine($"synth: wrote {summary.Images} images with {summary.Objects} objects to {outDir} " +
            $"(train {summary.Train}, val {summary.Val}, test {summary.Test}; classes in {Path.Combine(outDir, "labels.txt")})");
        return 0;
    }
}
