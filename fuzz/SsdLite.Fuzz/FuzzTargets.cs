using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using SsdLite.Data;
using SsdLite.Data.Coco;
using SsdLite.Data.Yolo;
using SsdLite.Platform.Checkpoints;
using SsdLite.Platform.Serialization;
using SsdLite.Runtime;
using SsdLite.Serving;
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
    public static IReadOnlyList<string> Names { get; } = ["pth", "ckpt", "safetensors", "voc", "coco", "yolo-labels", "data-yaml", "image", "multipart", "oip"];

    /// <summary>The most pixels the image target decodes (a fuzzer's inputs declare any size).</summary>
    public const long ImageMaxPixels = 1 << 20;

    /// <summary>The request body limit of the multipart target (serve's --max-body-bytes, smaller).</summary>
    public const long MultipartMaxBytes = 1 << 20;

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
                    SsdLiteCheckpoint(work, input);
                    break;
                case "safetensors":
                    SafetensorsReader.Read(Write(work, "input.safetensors", input));
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
                case "multipart":
                    Multipart(input);
                    break;
                case "oip":
                    Infer(input);
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
            or DirectoryNotFoundException or ArgumentException or ServeException { Status: < 500 };

    private static string Write(string work, string name, byte[] input)
    {
        var path = Path.Combine(work, name);
        File.WriteAllBytes(path, input);
        return path;
    }

    // A whole file goes through the framing checks. Anything else is taken as a payload: through the file's SHA-256
    // a mutated payload would never reach the parser, so it is parsed as Load parses a verified one.
    private static void SsdLiteCheckpoint(string work, byte[] input)
    {
        if (input.AsSpan().StartsWith("SSDLCKPT"u8))
            Checkpoint.Load(Write(work, "input.ckpt", input)).Dispose();
        else
            Checkpoint.LoadPayload(input, 0, input.Length, "input.ckpt payload").Dispose();
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

    // A detect request as serve reads it (ImageUpload, with serve's form limits): the input's first line is the
    // Content-Type header, the rest the body. A header with bytes Kestrel refuses before any handler runs (controls,
    // non-ASCII) is not a request serve could see, so it is skipped.
    private static void Multipart(byte[] input)
    {
        int newline = Array.IndexOf(input, (byte)'\n');
        var header = input.AsSpan(0, newline < 0 ? input.Length : newline).TrimEnd((byte)'\r');
        foreach (var b in header)
        {
            if (b is < 0x20 and not (byte)'\t' or > 0x7E) return;
        }
        var body = newline < 0 ? [] : input[(newline + 1)..];
        var context = new DefaultHttpContext();
        var form = new FormOptions();
        ServingHost.ConfigureForm(form, MultipartMaxBytes);
        context.Features.Set<IFormFeature>(new FormFeature(context.Request, form));
        context.Request.ContentType = Encoding.ASCII.GetString(header);
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body, writable: false);
        _ = ImageUpload.ReadAsync(context.Request, MultipartMaxBytes, CancellationToken.None).GetAwaiter().GetResult();
    }

    // The model an infer request is parsed against: 8x8 input (192 values per image), batches up to 2, two outputs.
    // Made per input, not in a static field: instrumented code must not run before SharpFuzz has mapped afl's memory.
    private static InferContract InferModel() => new("m", 8, 2,
        [new TensorSpec("scores", "FP32", [-1, 10, 3]), new TensorSpec("boxes", "FP32", [-1, 10, 4])]);

    // An Open Inference Protocol infer request as serve parses it: the input's first line is the
    // Inference-Header-Content-Length (empty: none), the rest the body (JSON, then any binary tensor data).
    private static void Infer(byte[] input)
    {
        int newline = Array.IndexOf(input, (byte)'\n');
        if (newline < 0) return;
        var first = Encoding.ASCII.GetString(input, 0, newline).Trim();
        int? headerLength = null;
        if (first.Length > 0)
        {
            // A header Kestrel would hand over is a number; anything else never reaches the parser.
            if (!int.TryParse(first, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var h)) return;
            headerLength = h;
        }
        InferRequest.Parse(input.AsSpan(newline + 1), headerLength, InferModel()).Release();
    }
}
