using System.CommandLine;
using SsdLite.Core;
using SsdLite.Runtime;
using SsdLite.Serving;
using SsdLite.Tools.Models;
using SsdLite.Vision;

namespace SsdLite.Tools.Commands;

/// <summary>
/// <c>ssdlite serve --model FILE [--labels FILE] [--urls URLS] [--max-batch N] [--max-queue-delay-ms D] [--queue-limit Q]
/// [--max-body-bytes B] [--max-pixels P] [--timeout-ms T] …</c>: the HTTP detection service of SsdLite.Serving.
/// Nothing on this path prepares the engine or touches a torch-bearing assembly unless the model is a checkpoint
/// (<see cref="OnnxDetectorRequest"/> exports it in memory): an .onnx model is served by a process with no libtorch
/// mapped (docs/serving.md).
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var defaults = new ServeOptions();
        var model = new Option<string>("--model", "--weights") { Description = "An ONNX model from ssdlite export, a checkpoint/.pth (exported to ONNX in memory at start-up), or the name of published weights (ssdlite weights list)", Required = true };
        var labels = new Option<string?>("--labels") { Description = "Labels file (required for a .pth; overrides the model's class names)" };
        var arch = new Option<string?>("--arch") { Description = "Architecture of a reference .pth whose keys do not tell it" };
        var name = new Option<string?>("--model-name") { Description = "The name clients address (/v2/models/NAME); default: the model's file name" };
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on, ';'-separated", DefaultValueFactory = _ => defaults.Urls };
        var maxBatch = new Option<int>("--max-batch") { Description = "Most requests per ONNX Runtime call", DefaultValueFactory = _ => defaults.MaxBatch };
        var delay = new Option<double>("--max-queue-delay-ms") { Description = "Longest wait for more requests once one is held", DefaultValueFactory = _ => defaults.MaxQueueDelayMs };
        var queueLimit = new Option<int>("--queue-limit") { Description = "Requests waiting before new ones get 503", DefaultValueFactory = _ => defaults.QueueLimit };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest request body (413 above)", DefaultValueFactory = _ => defaults.MaxBodyBytes };
        var maxPixels = new Option<long>("--max-pixels") { Description = "Largest width x height an image header may declare (413 above)", DefaultValueFactory = _ => defaults.MaxPixels };
        var timeout = new Option<int>("--timeout-ms") { Description = "A request's deadline from arrival (504 after)", DefaultValueFactory = _ => defaults.TimeoutMs };
        var drain = new Option<int>("--drain-ms") { Description = "After SIGTERM: readiness 503 but still serving, for this long", DefaultValueFactory = _ => defaults.DrainMs };
        var threads = new Option<int>("--intra-op-threads") { Description = "ONNX Runtime threads per call (0: all cores)", DefaultValueFactory = _ => defaults.IntraOpThreads };
        var warmUp = new Option<int>("--warmup-requests") { Description = "Requests the server sends itself before it reports ready, so that the first clients meet compiled code (0: none)", DefaultValueFactory = _ => defaults.WarmUpRequests };
        var spin = new Option<bool>("--spin") { Description = "Let ONNX Runtime's threads spin between calls (off: the cores go to decoding)" };
        var threshold = new Option<float>("--score-threshold") { Description = "Score threshold of requests that name none", DefaultValueFactory = _ => defaults.ScoreThreshold };
        var topK = new Option<int>("--top-k") { Description = "Detections per class of requests that name none (-1: no limit)", DefaultValueFactory = _ => defaults.TopK };
        var apiKeyFile = new Option<string?>("--api-key-file") { Description = "API keys, one per line, re-read on change: detect, /v2/models/... and /metrics then need Authorization: Bearer KEY (health stays open)" };
        var httpsCert = new Option<string?>("--https-cert") { Description = "Server certificate for https:// --urls: a .pfx/.p12 (password in SSDLITE_HTTPS_PASSWORD) or a PEM file" };
        var httpsKey = new Option<string?>("--https-key") { Description = "The PEM private key of a PEM --https-cert" };
        var command = new Command("serve", "Serve a detector over HTTP (ONNX Runtime, dynamic batching, health, metrics, a page to try it)")
        {
            model, labels, arch, name, urls, maxBatch, delay, queueLimit, maxBody, maxPixels, timeout, drain, threads, warmUp, spin, threshold, topK,
            apiKeyFile, httpsCert, httpsKey,
        };
        command.SetAction(r => CommandRunner.Run("serve", () =>
        {
            var options = new ServeOptions
            {
                Urls = r.GetValue(urls)!,
                MaxBatch = r.GetValue(maxBatch),
                MaxQueueDelayMs = r.GetValue(delay),
                QueueLimit = r.GetValue(queueLimit),
                MaxBodyBytes = r.GetValue(maxBody),
                MaxPixels = r.GetValue(maxPixels),
                TimeoutMs = r.GetValue(timeout),
                DrainMs = r.GetValue(drain),
                IntraOpThreads = r.GetValue(threads),
                AllowSpinning = r.GetValue(spin),
                WarmUpRequests = r.GetValue(warmUp),
                ScoreThreshold = r.GetValue(threshold),
                TopK = r.GetValue(topK),
                ApiKeyFile = r.GetValue(apiKeyFile),
                HttpsCertificate = r.GetValue(httpsCert),
                HttpsKey = r.GetValue(httpsKey),
            };
            return Execute(options, Weights.WeightsResolver.Resolve(r.GetValue(model)!), r.GetValue(labels), r.GetValue(arch), r.GetValue(name));
        }));
        return command;
    }

    private static int Execute(ServeOptions options, string modelPath, string? labelsPath, string? arch, string? name)
    {
        options.Validate(); // before the model loads, so a typo costs nothing
        var onnx = new OnnxDetectorOptions { IntraOpThreads = options.IntraOpThreads, AllowSpinning = options.AllowSpinning };
        using var detector = Open(modelPath, labelsPath, arch, onnx);
        var served = new ServedModel(name ?? ServedModel.NameFor(modelPath), detector, modelPath);
        Console.WriteLine($"serve: {detector}; serving '{served.Name}' on {options.Urls} (max batch {options.MaxBatch}, queue {options.QueueLimit})");
        return ServingHost.RunAsync(options, served).GetAwaiter().GetResult();
    }

    private static OnnxDetector Open(string path, string? labelsPath, string? arch, OnnxDetectorOptions options) =>
        ModelFile.Open(path, labelsPath, arch is null ? null : SsdArchs.Parse(arch)).Load(new OnnxDetectorRequest(options));
}
