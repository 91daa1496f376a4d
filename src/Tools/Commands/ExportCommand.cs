using System.CommandLine;
using System.Globalization;
using SsdLite.Core;
using SsdLite.Detection.Models;
using SsdLite.Export;
using SsdLite.Export.Quantization;
using SsdLite.Export.Triton;
using SsdLite.Serving;

namespace SsdLite.Tools.Commands;

/// <summary>
/// <c>ssdlite export --weights FILE [--labels FILE] [--arch A] --format onnx|triton|pth|safetensors --out FILE|REPO [--opset N]
/// [--input-size S] [--batch dynamic|N] [--int8 --calibration PATH... [--calibration-images N] [--calibration-method minmax|percentile]]
/// [--nms ...] [--model-name NAME] [--max-batch B]</c>.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var weights = new Option<string>("--weights") { Description = "An SsdLite checkpoint or a reference PyTorch .pth, or the name of published weights (ssdlite weights list)", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Labels file (required for a .pth; overrides a checkpoint's names)" };
        var arch = ArchOption.Create("Architecture of a reference .pth whose keys do not tell it");
        var format = new Option<string>("--format") { Description = "onnx (ONNX Runtime, TensorRT, OpenCV dnn), triton (a Triton model repository around the ONNX file), pth (the reference's state_dict) or safetensors", DefaultValueFactory = _ => "onnx" };
        format.AcceptOnlyFromAmong("onnx", "triton", "pth", "safetensors");
        var output = new Option<string>("--out") { Description = "The file to write (onnx: labels.txt goes beside it); with --format triton, the model repository folder", Required = true };
        var opset = new Option<int>("--opset")
        {
            Description = $"ONNX opset, {OnnxExportOptions.MinOpset}..{OnnxExportOptions.MaxOpset}",
            DefaultValueFactory = _ => OnnxExportOptions.DefaultOpset,
        };
        var inputSize = new Option<int?>("--input-size") { Description = "Input side in pixels (default: the model's); the priors follow it" };
        var batch = new Option<string>("--batch") { Description = "dynamic, or a fixed batch size", DefaultValueFactory = _ => "dynamic" };
        var int8 = Int8Options.Create();
        var nms = new Option<bool>("--nms") { Description = "End the ONNX graph in detect's NMS: outputs num_detections, detection_boxes, detection_scores, detection_classes (EfficientNMS names)" };
        // The defaults come from SsdLite.Export inside the factories, which run only when export is parsed: naming an
        // Export type in this method would run Export's module initializer (libtorch) for every command.
        var maxDetections = new Option<int>("--max-detections") { Description = "With --nms: K, the detections per image", DefaultValueFactory = _ => new NmsExportOptions().MaxDetections };
        var scoreThreshold = new Option<float>("--score-threshold") { Description = "With --nms: keep class scores above this (detect's default)", DefaultValueFactory = _ => new NmsExportOptions().ScoreThreshold };
        var iouThreshold = new Option<float>("--iou-threshold") { Description = "With --nms: suppress boxes overlapping a kept one by more than this IoU", DefaultValueFactory = _ => new NmsExportOptions().IouThreshold };
        var modelName = new Option<string?>("--model-name") { Description = "With --format triton: the model's folder and name in Triton (default: the weights file's name)" };
        // The default is serve's --max-batch, read from ServeOptions when the command runs (Triton()).
        var maxBatch = new Option<int?>("--max-batch") { Description = "With --format triton: max_batch_size and the preferred batch (default: serve's --max-batch)" };
        var command = new Command("export", "Export a detector: ONNX (BatchNorm folded, softmax scores and decoded boxes; float or calibrated int8) or its weights as a PyTorch state_dict")
        {
            weights, labels, arch, format, output, opset, inputSize, batch, int8.Enabled, int8.Paths, int8.Images, int8.Method,
            nms, maxDetections, scoreThreshold, iouThreshold, modelName, maxBatch,
        };
        command.SetAction(r => CommandRunner.RunWithEngine("export", () => Execute(Weights.WeightsResolver.Resolve(r.GetValue(weights)!), r.GetValue(labels), ArchOption.Value(r, arch),
            r.GetValue(format)!, r.GetValue(output)!, r.GetValue(opset), r.GetValue(inputSize), r.GetValue(batch)!, int8.Value(r),
            Nms(r.GetValue(nms), r.GetValue(maxDetections), r.GetValue(scoreThreshold), r.GetValue(iouThreshold), r),
            Triton(r.GetValue(format)!, r.GetValue(modelName), r.GetValue(maxBatch), r.GetValue(batch)!, r.GetValue(weights)!))));
        return command;
    }

    private static int Execute(string weights, string? labels, SsdArch? arch, string format, string output, int opset, int? inputSize, string batch,
        Int8ExportOptions? int8, NmsExportOptions? nms, TritonRepositoryOptions? triton)
    {
        // Options are checked before the weights load, so a typo costs nothing.
        var isOnnx = format is "onnx" or "triton";
        var options = new OnnxExportOptions { Opset = opset, InputSize = inputSize, BatchSize = ParseBatch(batch), Nms = nms, WriteLabels = triton is null };
        if (nms is not null && !isOnnx) throw new ArgumentException($"--nms ends an ONNX graph; a {format} file holds weights only");
        var onnxPath = triton is null ? output : TritonRepository.ModelPath(output, triton);
        if (isOnnx) options.Validate();
        else if (inputSize is not null || batch != "dynamic")
            throw new ArgumentException($"--input-size and --batch shape an ONNX graph; a {format} file holds weights only");
        if (int8 is not null && !isOnnx) throw new ArgumentException($"--int8 quantises an ONNX graph; a {format} file holds weights only");
        int8?.Validate();
        using var model = Models.ModelFile.Open(weights, labels, arch).Load(new Models.NetworkRequest());
        switch (format)
        {
            case "onnx" or "triton" when int8 is not null:
                var quantized = Int8Options.Export(model, onnxPath, options, int8);
                Report(quantized.Model, onnxPath);
                break;
            case "onnx" or "triton":
                var result = OnnxExporter.Export(model, onnxPath, options);
                Report(result, onnxPath);
                break;
            default:
                StateDictExporter.Export(model, output, format == "pth" ? StateDictFormat.Pth : StateDictFormat.Safetensors);
                Console.WriteLine($"export: wrote {output} ({model.state_dict().Count} tensors, {model.Config.Arch.Name()} state_dict with BatchNorm)");
                break;
        }
        if (triton is not null) ReportTriton(TritonRepository.WriteConfig(output, triton), triton);
        return 0;
    }

    /// <summary>The repository's options with --format triton; --model-name or --max-batch without it are an error.</summary>
    private static TritonRepositoryOptions? Triton(string format, string? modelName, int? maxBatch, string batch, string weights)
    {
        if (format != "triton")
        {
            if (modelName is not null || maxBatch is not null) throw new ArgumentException("--model-name and --max-batch shape a Triton model repository: add --format triton");
            return null;
        }
        var serve = new ServeOptions();
        var size = maxBatch ?? serve.MaxBatch;
        if (batch != "dynamic")
        {
            throw new ArgumentException($"--batch {batch} fixes the ONNX batch dimension, but Triton's max_batch_size {size} batches along a dynamic one: "
                + "leave --batch out and set the largest batch with --max-batch");
        }
        var options = new TritonRepositoryOptions
        {
            ModelName = modelName ?? TritonModelName.FromWeights(weights),
            MaxBatchSize = size,
            // serve's batcher fills a batch up to its max batch or until its queue delay passes; Triton is told the same.
            PreferredBatchSizes = [size],
            MaxQueueDelayMicroseconds = (ulong)Math.Round(serve.MaxQueueDelayMs * 1000),
        };
        options.Validate();
        return options;
    }

    private static void ReportTriton(TritonRepositoryResult result, TritonRepositoryOptions options)
    {
        Console.WriteLine($"export: wrote {result.LabelsPath}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"export: wrote {result.ConfigPath} (model {options.ModelName}, max_batch_size {options.MaxBatchSize}, outputs {string.Join(", ", result.Outputs.Select(o => o.Name))})"));
    }

    private static NmsExportOptions? Nms(bool enabled, int maxDetections, float scoreThreshold, float iouThreshold, ParseResult r)
    {
        if (!enabled)
        {
            var stray = new[] { "--max-detections", "--score-threshold", "--iou-threshold" }.FirstOrDefault(name => r.Tokens.Any(t => t.Value == name));
            return stray is null ? null : throw new ArgumentException($"{stray} shapes the in-graph NMS: add --nms");
        }
        return new NmsExportOptions { MaxDetections = maxDetections, ScoreThreshold = scoreThreshold, IouThreshold = iouThreshold };
    }

    private static void Report(OnnxExportResult result, string output)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"export: wrote {output} ({result.Bytes / 1e6:0.0} MB, opset {result.Opset}, input_0 [{(result.BatchSize?.ToString(CultureInfo.InvariantCulture) ?? "N")}, 3, {result.InputSize}, {result.InputSize}], {result.PriorCount} priors, {result.ClassCountWithBackground} classes)"));
        if (result.LabelsPath is { } written) Console.WriteLine($"export: wrote {written}");
    }

    private static int? ParseBatch(string text)
    {
        if (text == "dynamic") return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0) return n;
        throw new ArgumentException($"--batch must be 'dynamic' or a positive whole number, got '{text}'");
    }
}
