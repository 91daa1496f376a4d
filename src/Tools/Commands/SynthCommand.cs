using System.CommandLine;
using SsdLite.Data;
using SsdLite.Data.Synthetic;
using SsdLite.Tools.Video;

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
        var video = new Option<bool>("--video") { Description = "Write a video of moving shapes instead (DIR/shapes.mp4, DIR/shapes.json: per frame the ground-truth boxes and track ids)" };
        var frames = new Option<int>("--frames") { Description = "--video: frames", DefaultValueFactory = _ => 60 };
        var objects = new Option<int>("--objects") { Description = "--video: shapes moving at once", DefaultValueFactory = _ => 3 };
        var fps = new Option<int>("--fps") { Description = "--video: frames per second", DefaultValueFactory = _ => 10 };
        var lossless = new Option<bool>("--lossless") { Description = "--video: write DIR/shapes.mkv in FFV1 (lossless) instead of H.264" };
        var command = new Command("synth", "Write a synthetic dataset (shapes on cluttered backgrounds; train/val/test splits) as VOC, COCO or YOLO")
        {
            outDir, images, seed, size, width, height, format, video, frames, objects, fps, lossless,
        };
        command.SetAction(r => CommandRunner.Run("synth", () => r.GetValue(video)
            ? ExecuteVideo(r.GetValue(outDir)!, new SyntheticVideoOptions
            {
                Frames = r.GetValue(frames),
                Objects = r.GetValue(objects),
                Fps = r.GetValue(fps),
                Seed = r.GetValue(seed),
                Width = r.GetValue(width) ?? Math.Min(r.GetValue(size), 160),
                Height = r.GetValue(height) ?? Math.Min(r.GetValue(size), 160),
            }, r.GetValue(lossless))
            : Execute(r.GetValue(outDir)!, r.GetValue(images), r.GetValue(seed),
            r.GetValue(width) ?? r.GetValue(size), r.GetValue(height) ?? r.GetValue(size), DetectionDatasets.ParseFormat(r.GetValue(format)!))));
        return command;
    }

    /// <summary>The moving-shapes video and its ground truth (SyntheticVideo), encoded by ffmpeg.</summary>
    private static int ExecuteVideo(string outDir, SyntheticVideoOptions options, bool lossless)
    {
        options.Validate();
        Directory.CreateDirectory(outDir);
        var video = new SyntheticVideo(options);
        var path = Path.Combine(outDir, lossless ? "shapes.mkv" : "shapes.mp4");
        var encoder = VideoEncoder.Start(path, options.Width, options.Height, $"{options.Fps}/1", lossless ? "-c:v ffv1" : null);
        var json = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new System.Text.Json.Utf8JsonWriter(json, new System.Text.Json.JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("video", Path.GetFileName(path));
            w.WriteNumber("width", options.Width);
            w.WriteNumber("height", options.Height);
            w.WriteNumber("fps", options.Fps);
            w.WriteStartArray("labels");
            foreach (var name in SyntheticVoc.ClassNames) w.WriteStringValue(name);
            w.WriteEndArray();
            w.WriteStartArray("frames");
            for (var f = 0; f < options.Frames; f++)
            {
                var (image, truth) = video.Render(f);
                encoder.Write(image);
                w.WriteStartObject();
                w.WriteNumber("frame", f);
                w.WriteNumber("time", (double)f / options.Fps);
                w.WriteStartArray("objects");
                foreach (var o in truth)
                {
                    w.WriteStartObject();
                    w.WriteNumber("track_id", o.TrackId);
                    w.WriteString("label", SyntheticVoc.ClassNames[o.ClassIndex]);
                    w.WriteNumber("class_id", o.ClassIndex + 1);
                    w.WriteStartArray("box");
                    w.WriteNumberValue(o.XMin);
                    w.WriteNumberValue(o.YMin);
                    w.WriteNumberValue(o.XMax);
                    w.WriteNumberValue(o.YMax);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        encoder.Finish();
        var truthPath = Path.Combine(outDir, "shapes.json");
        File.WriteAllBytes(truthPath, json.WrittenSpan.ToArray());
        File.WriteAllText(Path.Combine(outDir, "labels.txt"), string.Join("\n", SyntheticVoc.ClassNames) + "\n");
        Console.WriteLine($"synth: wrote {path} ({options.Frames} frames, {options.Width}x{options.Height}, {options.Fps} fps, {options.Objects} shapes) and its ground truth {truthPath}");
        return 0;
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
