using SsdLite.Data;
using SsdLite.Data.Coco;
using SsdLite.Data.Yolo;
using SsdLite.Platform.Checkpoints;
using SsdLite.Platform.Serialization;
using SsdLite.Vision;

namespace SsdLite.Fuzz;

/// <summary>
/// One fuzz target per reader of files from elsewhere. Each feeds the input to the reader through its public entry
/// point and lets only the reader's named refusals pass (InvalidDataException, ImageException, DataCheckException,
/// a format's own errors); anything else escapes and is a finding. Shared by the fuzzer (SharpFuzz under afl++) and
/// the suite's replay of the corpus and findings (FuzzReplayTests).
/// </summary>
public static class FuzzTargets
{
    /// <summary>The targets, by name.</summary>
    public static IReadOnlyList<string> Names { get; } = ["pth", "ckpt", "voc", "coco", "yolo-labels", "data-yaml", "image"];

    /// <summary>The most pixels the image target decodes (a fuzzer's inputs declare any size).</summary>
    public const long ImageMaxPixels = 1 << 20;

    /// <summary>Runs <paramref name="target"/> on <paramref name="input"/>, using <paramref name="work"/> as scratch.</summary>
    public static void Run(string target, byte[] input, string work)
    {
        Directory.CreateDirectory(work);
        try
        {
            switch (target)
            {
                case "pth":
                    PthReader.Read(Write(work, "input.pth", input));
                    break;
                case "ckpt":
                    Checkpoint.Load(Write(work, "input.ckpt", input)).Dispose();
                    break;
                case "voc":
                    Voc(work, input);
                    break;
                case "coco":
                    CocoReader.Read(Write(work, "input.json", input), work, null);
                    break;
                case "yolo-labels":
                    YoloLabels(work, input);
                    break;
                case "data-yaml":
                    _ = YoloDataYaml.Load(Write(work, "data.yaml", input)).Labels;
                    break;
                case "image":
                    _ = ImageIO.Decode(input, ImageMaxPixels);
                    break;
                default:
                    throw new ArgumentException($"no fuzz target '{target}' (targets: {string.Join(", ", Names)})");
            }
        }
        catch (Exception e) when (IsRefusal(e))
        {
            // A named refusal is the reader doing its job.
        }
    }

    /// <summary>The exceptions a reader may end in on a bad file.</summary>
    public static bool IsRefusal(Exception e) =>
        e is InvalidDataException or ImageException or DataCheckException or EndOfStreamException or FileNotFoundException
            or DirectoryNotFoundException or ArgumentException;

    private static string Write(string work, string name, byte[] input)
    {
        var path = Path.Combine(work, name);
        File.WriteAllBytes(path, input);
        return path;
    }

    // A one-image VOC tree whose annotation is the input; the image file exists (its bytes are not decoded here).
    private static void Voc(string work, byte[] input)
    {
        var root = Path.Combine(work, "voc");
        Directory.CreateDirectory(Path.Combine(root, "Annotations"));
        Directory.CreateDirectory(Path.Combine(root, "JPEGImages"));
        Directory.CreateDirectory(Path.Combine(root, "ImageSets", "Main"));
        File.WriteAllText(Path.Combine(root, "ImageSets", "Main", "train.txt"), "a\n");
        File.WriteAllBytes(Path.Combine(root, "JPEGImages", "a.jpg"), [0xFF, 0xD8, 0xFF]);
        File.WriteAllBytes(Path.Combine(root, "Annotations", "a.xml"), input);
        var issues = new List<DataIssue>();
        foreach (var entry in VocReader.ListEntries(root, "train")) VocReader.TryRead(entry, Labels.Voc, issues);
    }

    // A YOLO set of one 64x48 image whose label file is the input.
    private static void YoloLabels(string work, byte[] input)
    {
        var root = Path.Combine(work, "yolo");
        Directory.CreateDirectory(Path.Combine(root, "images", "train"));
        Directory.CreateDirectory(Path.Combine(root, "labels", "train"));
        File.WriteAllText(Path.Combine(root, "data.yaml"), "path: .\ntrain: images/train\nnames: [cat, dog]\n");
        File.WriteAllBytes(Path.Combine(root, "images", "train", "a.jpg"), [0xFF, 0xD8, 0xFF]);
        File.WriteAllBytes(Path.Combine(root, "labels", "train", "a.txt"), input);
        YoloReader.Read(Path.Combine(root, "data.yaml"), "train", null, _ => (64, 48));
    }
}
