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
        var format = new Option<string>("--format")
        {
            Description = "voc (the default), coco (SPLIT.json + images/) or yolo (data.yaml, images/, labels/): the same images and boxes",
            DefaultValueFactory = _ => "voc",
        };
        format.AcceptOnlyFromAmong("voc", "coco", "yolo");
        var command = new Command("synth", "Write a synthetic dataset (shapes on cluttered backgrounds; train/val/test splits) as VOC, COCO or YOLO")
        {
            outDir, images, seed, size, width, height, format,
        };
        command.SetAction(r => CommandRunner.Run("synth", () => Execute(r.GetValue(outDir)!, r.GetValue(images), r.GetValue(seed),
            r.GetValue(width) ?? r.GetValue(size), r.GetValue(height) ?? r.GetValue(size), DetectionDatasets.ParseFormat(r.GetValue(format)!))));
        return command;
    }

    private static int Execute(string outDir, int images, int seed, int width, int height, DatasetFormat format)
    {
        if (format != DatasetFormat.Voc)
        {
            // The VOC set is written first and converted, so every format holds the very same images and boxes.
            string staging = Path.Combine(Path.GetTempPath(), $"ssdlite-synth-{Guid.NewGuid():N}");
            try
            {
                Execute(staging, images, seed, width, height, DatasetFormat.Voc);
                string[] splits = format == DatasetFormat.Coco ? ["train", "val", "trainval", "test"] : ["train", "val", "test"];
                new DatasetConversion(staging, DatasetFormat.Voc, format, outDir) { Splits = splits }.Run(Console.Out);
            }
            finally
            {
                Directory.Delete(staging, recursive: true);
            }
            return 0;
        }
        if (images < 1) throw new ArgumentException($"--images must be at least 1, got {images}");
        if (Math.Min(width, height) < 32) throw new ArgumentException($"--size, --width and --height must be at least 32 pixels, got {width}x{height}");
        var summary = SyntheticVoc.Generate(new SyntheticVocOptions { Images = images, Seed = seed, Width = width, Height = height }, outDir);
        Console.WriteLine($"synth: wrote {summary.Images} images with {summary.Objects} objects to {outDir} " +
            $"(train {summary.Train}, val {summary.Val}, test {summary.Test}; classes in {Path.Combine(outDir, "labels.txt")})");
        return 0;
    }
}
