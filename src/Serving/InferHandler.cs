using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace SsdLite.Serving;

/// <summary>
/// <c>POST /v2/models/{name}[/versions/{version}]/infer</c>, the Open Inference Protocol's inference call: the model's
/// own tensors in and out (<see cref="InferRequest"/>, <see cref="InferResponse"/>), through the same admission limit,
/// deadline, batch worker and metrics as <c>/v1/detect</c>. A name or version the server does not serve is a 404.
/// </summary>
internal sealed class InferHandler(ServedModel model, ServeOptions options, DynamicBatcher batcher, Admission admission)
{
    private readonly InferContract contract = InferContract.For(model, options);

    public Task HandleAsync(HttpContext context, string name, string? version)
    {
        if (name != model.Name)
            throw new ServeException(404, "no_model", $"no model named '{name}' (this server serves '{model.Name}')");
        if (version is not null && version != "1")
            throw new ServeException(404, "no_model", $"model '{name}' has no version '{version}' (it has version 1)");
        return admission.RunAsync(() => InferAsync(context));
    }

    private async Task InferAsync(HttpContext context)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(options.TimeoutMs / 1000.0 * Stopwatch.Frequency);
        var cancel = context.RequestAborted;
        var headerLength = HeaderLength(context.Request.Headers[InferResponse.HeaderLengthHeader]);
        InferRequest request;
        using (var body = await PooledBody.ReadAsync(context.Request, options.MaxBodyBytes, cancel).ConfigureAwait(false))
            request = InferRequest.Parse(body.Span, headerLength, contract);

        var job = new InferenceJob(request.TakeInput(), deadline, cancel, counted: true, images: request.Images);
        if (!batcher.TryEnqueue(job))
        {
            job.ReleaseInput();
            throw admission.QueueFull();
        }
        var slot = await DetectHandler.AwaitAnswerAsync(job, deadline, cancel).ConfigureAwait(false);
        await InferResponse.WriteAsync(context.Response, model.Name, request, slot, cancel).ConfigureAwait(false);
    }

    private static int? HeaderLength(Microsoft.Extensions.Primitives.StringValues header)
    {
        if (header.Count == 0) return null;
        if (header.Count > 1 || !int.TryParse(header[0], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            throw ServeException.BadInput($"{InferResponse.HeaderLengthHeader} must be one whole number of bytes, got '{header}'");
        return length;
    }
}
