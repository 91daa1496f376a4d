using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Serving;

/// <summary>
/// <c>POST /v1/detect</c> on the request's own thread: read the upload under its limits, check the header's pixel
/// count, decode and preprocess, wait for the batch worker until the deadline, post-process with the request's
/// thresholds, and answer JSON or a drawn image. Refusals are <see cref="ServeException"/>s.
/// </summary>
internal sealed class DetectHandler(ServedModel model, ServeOptions options, DynamicBatcher batcher, WarmUpMark warmUp, Admission admission)
{
    private readonly PostProcessor defaults = new(options.ScoreThreshold, topK: options.TopK,
        labels: ClassLabels.WithBackground(model.Detector.ClassNames));

    public async Task HandleAsync(HttpContext context)
    {
        // The start-up warm-up's requests run the same code outside the admission limit, and the metrics leave them out.
        if (warmUp.Marks(context))
        {
            await DetectAsync(context, counted: false).ConfigureAwait(false);
            return;
        }
        await admission.RunAsync(() => DetectAsync(context, counted: true)).ConfigureAwait(false);
    }

    private async Task DetectAsync(HttpContext context, bool counted)
    {
        var arrived = Stopwatch.GetTimestamp();
        var deadline = arrived + (long)(options.TimeoutMs / 1000.0 * Stopwatch.Frequency);
        var cancel = context.RequestAborted;
        var request = context.Request;
        var post = PostProcessorFor(request.Query);
        var output = ChooseOutput(request.Headers.Accept);

        var upload = await ImageUpload.ReadAsync(request, options.MaxBodyBytes, cancel).ConfigureAwait(false);
        var read = Stopwatch.GetTimestamp();
        var image = Decode(upload);
        var input = ArrayPool<float>.Shared.Rent(model.Detector.InputLength);
        model.Detector.Preprocess(image, input);
        var decoded = Stopwatch.GetTimestamp();

        var job = new InferenceJob(input, deadline, cancel, counted);
        if (!batcher.TryEnqueue(job))
        {
            job.ReleaseInput();
            throw admission.QueueFull();
        }
        var slot = await AwaitAnswerAsync(job, deadline, cancel).ConfigureAwait(false);
        var inferred = Stopwatch.GetTimestamp();
        var detections = Detections(slot, post, image);
        var processed = Stopwatch.GetTimestamp();

        if (output is { } extension)
        {
            var drawn = BoxPainter.Encode(image, detections, extension);
            context.Response.ContentType = extension == ".png" ? "image/png" : "image/jpeg";
            context.Response.ContentLength = drawn.Length;
            await context.Response.Body.WriteAsync(drawn, cancel).ConfigureAwait(false);
            return;
        }
        var timings = new RequestTimings(Ms(arrived, read), Ms(read, decoded), slot.QueueMs, slot.InferenceMs, Ms(inferred, processed),
            Ms(arrived, Stopwatch.GetTimestamp()));
        var body = new DetectResponse(model.Name, upload.Name, image.Width, image.Height, detections, slot.BatchSize, timings).ToUtf8();
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, cancel).ConfigureAwait(false);
    }

    // A model that ends in NMS answers with its own detections (the first num_detections rows, as detect and the
    // OnnxDetector read them); any other model's scores and boxes go through the request's post-processing.
    private IReadOnlyList<DetectedObject> Detections(BatchSlot slot, PostProcessor post, Image image)
    {
        if (model.Detector.HasNms) return NmsDetections(slot, post, image);
        var raw = slot.Raw ?? throw new InvalidOperationException($"model {model.Name} has no {OnnxConventions.ScoresName} and {OnnxConventions.BoxesName} outputs to post-process");
        return post.Process(raw.ScoresOf(slot.Index), raw.BoxesOf(slot.Index), raw.ClassCountWithBackground, image.Width, image.Height);
    }

    private IReadOnlyList<DetectedObject> NmsDetections(BatchSlot slot, PostProcessor post, Image image)
    {
        var counts = Output<int>(slot, OnnxConventions.NumDetectionsName);
        var boxes = Output<float>(slot, OnnxConventions.DetectionBoxesName);
        var scores = Output<float>(slot, OnnxConventions.DetectionScoresName);
        var classes = Output<int>(slot, OnnxConventions.DetectionClassesName);
        var k = model.Detector.MaxDetections!.Value;
        var i = slot.Index;
        return post.ProcessNmsRows(counts[i], boxes.AsSpan(i * k * 4, k * 4), scores.AsSpan(i * k, k), classes.AsSpan(i * k, k), image.Width, image.Height);
    }

    private T[] Output<T>(BatchSlot slot, string name) => slot.Tensors.FirstOrDefault(t => t.Name == name)?.Data as T[]
        ?? throw new InvalidOperationException($"model {model.Name} ends in NMS but its run returned no {typeof(T).Name} output {name}");

    // One codec reads the header and, when the declared pixel count is within --max-pixels, the pixels.
    private Image Decode(ImageUpload upload)
    {
        try
        {
            return ImageIO.Decode(upload.Data, options.MaxPixels);
        }
        catch (ImageTooLargeException e)
        {
            throw new ServeException(413, "too_many_pixels", string.Create(CultureInfo.InvariantCulture,
                $"{upload.Name} declares {e.Width}x{e.Height} = {e.Pixels} pixels, more than the server's limit of {e.Limit} (--max-pixels)"));
        }
        catch (ImageException e)
        {
            throw ServeException.BadInput($"{upload.Name} is not an image this server reads: {e.Message}");
        }
    }

    internal static async Task<BatchSlot> AwaitAnswerAsync(InferenceJob job, long deadline, CancellationToken cancel)
    {
        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
        try
        {
            return await job.Done.Task.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancel).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new ServeException(504, "timeout", "the request's deadline passed before the model answered (--timeout-ms)");
        }
    }

    private PostProcessor PostProcessorFor(IQueryCollection query)
    {
        var threshold = defaults.ScoreThreshold;
        var topK = defaults.TopK;
        if (query.TryGetValue("score_threshold", out var t))
        {
            if (!float.TryParse(t.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out threshold) || threshold is < 0 or >= 1 || float.IsNaN(threshold))
                throw ServeException.BadInput($"score_threshold must be a number in [0, 1), got '{t}'");
        }
        if (query.TryGetValue("top_k", out var k))
        {
            if (!int.TryParse(k.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out topK) || topK is 0 or < -1)
                throw ServeException.BadInput($"top_k must be a positive whole number or -1 (no limit), got '{k}'");
        }
        return threshold == defaults.ScoreThreshold && topK == defaults.TopK ? defaults
            : new PostProcessor(threshold, defaults.IouThreshold, defaults.CandidateSize, topK, labels: ClassLabels.WithBackground(model.Detector.ClassNames));
    }

    // JSON unless the client prefers a drawn image (highest quality first, JSON winning ties and wildcards).
    private static string? ChooseOutput(Microsoft.Extensions.Primitives.StringValues accept)
    {
        if (!MediaTypeHeaderValue.TryParseList(accept, out var types)) return null;
        foreach (var type in types.OrderByDescending(t => t.Quality ?? 1))
        {
            var name = type.MediaType.Value?.ToLowerInvariant();
            if (name is "application/json" or "*/*" or "application/*") return null;
            if (name == "image/png") return ".png";
            if (name is "image/jpeg" or "image/jpg") return ".jpg";
        }
        return null;
    }

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
}
