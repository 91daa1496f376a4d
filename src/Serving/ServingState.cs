using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SsdLite.Runtime;

namespace SsdLite.Serving;

/// <summary>
/// Readiness as <c>/v2/health/ready</c> reports it: not ready until a warm-up call has run at every batch size up to
/// the largest (ONNX Runtime allocates its buffers on the first call of each shape) and the request path has been
/// warmed by <see cref="RequestPathWarmUp"/>, and not ready again from the moment shutdown
/// begins. On shutdown it holds the listener open for <see cref="ServeOptions.DrainMs"/> first, still answering,
/// so that whoever routes traffic sees 503 before connections are refused.
/// </summary>
internal sealed class ServingState(ServedModel model, ServeOptions options, IServer server, WarmUpRoute route, WarmUpMark mark, ILogger<ServingState> logger)
    : IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource shutdown = new();
    private volatile bool warm;
    private volatile bool stopping;

    public bool Ready => warm && !stopping;

    public bool Stopping => stopping;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(WarmUpAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task WarmUpAsync()
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
                // All the outputs, as the batch worker runs them.
                var outputs = detector.RunAll(zeros.AsSpan(0, n * detector.InputLength), n);
                if (outputs.FirstOrDefault(o => o.Name == OnnxConventions.ScoresName) is { Shape: [_, var priors, _] }) model.PriorCount = (int)priors;
            }
            await WarmUpRequestPathAsync().ConfigureAwait(false);
            warm = true;
            logger.LogInformation("serve: model {Name} warmed up; ready", model.Name);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            logger.LogInformation("serve: shutdown began during the warm-up");
        }
        catch (Exception e)
        {
            // Readiness stays 503, and says nothing misleading: the log holds the cause.
            logger.LogError(e, "serve: warm-up of {Name} failed; the server stays unready", model.Name);
        }
    }

    private async Task WarmUpRequestPathAsync()
    {
        if (options.WarmUpRequests == 0) return;
        using var client = route.Open(server);
        if (client is null)
        {
            logger.LogWarning("serve: no plain-HTTP address to send the warm-up requests to; the first clients meet uncompiled code");
            return;
        }
        var lanes = Math.Min(4, Math.Min(options.MaxBatch, options.QueueLimit));
        var report = await RequestPathWarmUp.RunAsync(client, mark, options.WarmUpRequests, lanes, shutdown.Token).ConfigureAwait(false);
        logger.LogInformation("serve: {Requests} warm-up requests to {Self} ({Refused} refused) took {RequestsMs:0} ms; the JIT compiled {Methods} more methods in the {WaitMs:0} ms after",
            options.WarmUpRequests, client.BaseAddress, report.Refused, report.RequestsMs, report.MethodsCompiledInWait, report.JitWaitMs);
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        stopping = true;
        await shutdown.CancelAsync().ConfigureAwait(false);
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

    public void Dispose() => shutdown.Dispose();
}
