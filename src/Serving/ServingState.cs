using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SsdLite.Serving;

/// <summary>
/// Readiness as <c>/v2/health/ready</c> reports it: not ready until a warm-up call has run at every batch size up to
/// the largest (ONNX Runtime allocates its buffers on the first call of each shape), and not ready again from the moment shutdown
/// begins. On shutdown it holds the listener open for <see cref="ServeOptions.DrainMs"/> first, still answering,
/// so that whoever routes traffic sees 503 before connections are refused.
/// </summary>
internal sealed class ServingState(ServedModel model, ServeOptions options, ILogger<ServingState> logger) : IHostedLifecycleService
{
    private volatile bool warm;
    private volatile bool stopping;

    public bool Ready => warm && !stopping;

    public bool Stopping => stopping;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(WarmUp, CancellationToken.None);
        return Task.CompletedTask;
    }

    private void WarmUp()
    {
        try
        {
            var detector = model.Detector;
            // Every batch size the worker may run, largest first: ONNX Runtime plans and allocates on the first call
            // of each input shape, and a stall that queues requests otherwise meets a new shape at every size
            // (docs/benchmarks.md, "Serving": the cold-start tail).
            var zeros = new float[options.MaxBatch * detector.InputLength];
            for (var n = options.MaxBatch; n >= 1; n--)
            {
                var raw = detector.Predict(zeros.AsSpan(0, n * detector.InputLength), n);
                model.PriorCount = raw.PriorCount;
            }
            warm = true;
            logger.LogInformation("serve: model {Name} warmed up; ready", model.Name);
        }
        catch (Exception e)
        {
            // Readiness stays 503, and says nothing misleading: the log holds the cause.
            logger.LogError(e, "serve: warm-up of {Name} failed; the server stays unready", model.Name);
        }
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        stopping = true;
        logger.LogInformation("serve: shutting down: readiness is 503; draining for {Drain} ms", options.DrainMs);
        try
        {
            await Task.Delay(options.DrainMs, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ended the drain early.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
