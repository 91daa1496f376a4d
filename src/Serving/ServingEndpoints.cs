using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SsdLite.Runtime;

namespace SsdLite.Serving;

/// <summary>
/// The service's whole HTTP surface on one page: the page, detect, the Open Inference Protocol's health and model
/// metadata, Prometheus metrics and the OpenAPI document, behind one error boundary that turns every failure into
/// <c>{"error": ...}</c> with its status (500s logged with the request id, never a stack trace to the client).
/// </summary>
public static class ServingEndpoints
{
    /// <summary>The path of the detect endpoint.</summary>
    public const string DetectPath = "/v1/detect";

    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using var stream = typeof(ServingEndpoints).Assembly.GetManifestResourceStream("SsdLite.Serving.index.html")
            ?? throw new InvalidOperationException("the page is missing from the assembly's resources");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    });

    /// <summary>The middleware and endpoints, in order.</summary>
    public static void Configure(IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var metrics = app.ApplicationServices.GetRequiredService<ServingMetrics>();
        var warmUp = app.ApplicationServices.GetRequiredService<WarmUpMark>();
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("SsdLite.Serving");
        app.Use((context, next) => ErrorBoundaryAsync(context, next, metrics, warmUp, logger));
        if (app.ApplicationServices.GetService<ApiKeys>() is { } keys)
            app.Use((context, next) => AuthenticateAsync(context, next, keys, metrics, warmUp));
        app.UseStatusCodePages(context => WriteErrorAsync(context.HttpContext, context.HttpContext.Response.StatusCode,
            $"{context.HttpContext.Request.Method} {context.HttpContext.Request.Path}: {StatusText(context.HttpContext.Response.StatusCode)}"));
        app.UseRouting();
        app.UseEndpoints(Map);
    }

    private static void Map(IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        var model = services.GetRequiredService<ServedModel>();
        var state = services.GetRequiredService<ServingState>();
        var metrics = services.GetRequiredService<ServingMetrics>();

        endpoints.MapGet("/", () => Results.Bytes(Page.Value, "text/html; charset=utf-8")).ExcludeFromDescription();
        endpoints.MapPost(DetectPath, (HttpContext context, DetectHandler detect) => detect.HandleAsync(context))
            .WithName("Detect")
            .WithSummary("Detect objects in one image")
            .WithDescription("Multipart form field 'image', or the image as the body with Content-Type image/*. Query: score_threshold " +
                "(0..1), top_k (per class, -1 for no limit). JSON by default; Accept: image/png or image/jpeg returns the drawn image.")
            // No Accepts metadata: routing would answer other types with a bare 415, before ImageUpload can say what is taken.
            .Produces(StatusCodes.Status200OK, contentType: "application/json", additionalContentTypes: ["image/png", "image/jpeg"])
            .Produces(StatusCodes.Status400BadRequest).Produces(StatusCodes.Status413PayloadTooLarge)
            .Produces(StatusCodes.Status415UnsupportedMediaType).Produces(StatusCodes.Status503ServiceUnavailable)
            .Produces(StatusCodes.Status504GatewayTimeout);
        endpoints.MapGet("/v2", () => Results.Json(new { name = "ssdlite", version = Version, extensions = Array.Empty<string>() }))
            .WithSummary("Server metadata (Open Inference Protocol)");
        endpoints.MapGet("/v2/health/live", () => Results.Json(new { live = true })).WithSummary("Liveness: the process answers");
        endpoints.MapGet("/v2/health/ready", () => Readiness(state)).WithSummary("Readiness: 503 while warming up and once shutdown begins");
        endpoints.MapGet("/v2/models/{name}", (string name) => name == model.Name ? Results.Json(Metadata(model))
            : Results.Json(new { error = $"no model named '{name}' (this server serves '{model.Name}')" }, statusCode: 404))
            .WithSummary("Model metadata: inputs, outputs, classes");
        endpoints.MapGet("/v2/models/{name}/ready", (string name) => name == model.Name ? Readiness(state)
            : Results.Json(new { error = $"no model named '{name}'" }, statusCode: 404)).WithSummary("Model readiness");
        endpoints.MapGet("/metrics", () => Results.Text(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"))
            .WithSummary("Prometheus metrics");
        endpoints.MapOpenApi();
    }

    private static IResult Readiness(ServingState state) => state.Ready
        ? Results.Json(new { ready = true })
        : Results.Json(new { ready = false, error = state.Stopping ? "shutting down" : "warming up" }, statusCode: StatusCodes.Status503ServiceUnavailable);

    private static JsonObject Metadata(ServedModel model)
    {
        var d = model.Detector;
        var batch = d.FixedBatchSize ?? -1;
        var priors = model.PriorCount ?? -1;
        var meta = new JsonObject();
        foreach (var (key, value) in d.Metadata) meta[key] = value;
        return new JsonObject
        {
            ["name"] = model.Name,
            ["versions"] = new JsonArray("1"),
            ["platform"] = "onnxruntime_onnx",
            ["inputs"] = new JsonArray(Tensor(OnnxConventions.InputName, batch, 3, d.InputSize, d.InputSize)),
            ["outputs"] = new JsonArray(Tensor(OnnxConventions.ScoresName, batch, priors, d.ClassCount), Tensor(OnnxConventions.BoxesName, batch, priors, 4)),
            ["classes"] = new JsonArray([.. d.ClassNames.Select(n => (JsonNode?)JsonValue.Create(n))]),
            ["parameters"] = meta,
        };
    }

    private static JsonObject Tensor(string name, params int[] shape) => new()
    {
        ["name"] = name,
        ["datatype"] = "FP32",
        ["shape"] = new JsonArray([.. shape.Select(s => (JsonNode?)JsonValue.Create(s))]),
    };

    private static string Version => typeof(ServingEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    private static async Task ErrorBoundaryAsync(HttpContext context, RequestDelegate next, ServingMetrics metrics, WarmUpMark mark, ILogger logger)
    {
        var detect = context.Request.Path.Equals(DetectPath, StringComparison.OrdinalIgnoreCase);
        // Only detect requests carry the start-up warm-up's mark; they are answered like any other and counted nowhere.
        var warmUp = detect && mark.Marks(context);
        var countedDetect = detect && !warmUp;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (ServeException e)
        {
            if (!warmUp) metrics.Rejections.Inc(e.Reason);
            if (e.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await WriteErrorAsync(context, e.Status, e.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits: a body over MaxRequestBodySize (413), a sender below the minimum data rate (408).
            if (!warmUp) metrics.Rejections.Inc(e.StatusCode == 413 ? "body_too_large" : "bad_request");
            await WriteErrorAsync(context, e.StatusCode, e.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            if (!context.Response.HasStarted) context.Response.StatusCode = 499; // nginx's "client closed request", for the metrics
        }
        catch (Exception e)
        {
            if (!warmUp) metrics.Rejections.Inc("error");
            logger.LogError(e, "request {RequestId} {Method} {Path} failed", context.TraceIdentifier, context.Request.Method, context.Request.Path);
            await WriteErrorAsync(context, 500, $"internal error (request id {context.TraceIdentifier}); the server log has the details").ConfigureAwait(false);
        }
        finally
        {
            if (countedDetect)
            {
                metrics.Requests.Inc(context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
                metrics.RequestSeconds.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        }
    }

    /// <summary>Whether <paramref name="path"/> needs a key when keys are set: detect, model metadata and infer, metrics.</summary>
    public static bool NeedsKey(PathString path)
    {
        if (path.StartsWithSegments(DetectPath, StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase))
            return true;
        // /v2/models/NAME/ready is a readiness probe and stays open, like /v2/health/*.
        return path.StartsWithSegments("/v2/models", StringComparison.OrdinalIgnoreCase)
            && !(path.Value ?? "").TrimEnd('/').EndsWith("/ready", StringComparison.OrdinalIgnoreCase);
    }

    // The start-up warm-up's own requests carry the per-process mark instead of a key.
    private static Task AuthenticateAsync(HttpContext context, RequestDelegate next, ApiKeys keys, ServingMetrics metrics, WarmUpMark mark)
    {
        if (!NeedsKey(context.Request.Path) || keys.Accepts(context.Request) || mark.Marks(context)) return next(context);
        metrics.Rejections.Inc("unauthorized");
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"ssdlite\"";
        return WriteErrorAsync(context, StatusCodes.Status401Unauthorized,
            context.Request.Headers.Authorization.Count == 0 ? "an API key is needed: Authorization: Bearer KEY" : "the API key is not accepted");
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted)
        {
            context.Abort(); // a half-written answer must not pass for a whole one
            return;
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = DetectResponse.Error(message);
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }

    private static string StatusText(int status) => status switch
    {
        404 => "no such path (see /openapi/v1.json)",
        405 => "method not allowed on this path",
        _ => $"status {status}",
    };
}
