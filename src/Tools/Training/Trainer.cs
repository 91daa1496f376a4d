using System.Diagnostics;
using System.Globalization;
using SsdLite.Core;
using SsdLite.Core.Evaluation;
using SsdLite.Data;
using SsdLite.Data.Augmentation;
using SsdLite.Detection;
using SsdLite.Detection.Models;

namespace SsdLite.Tools.Training;

/// <summary>How a training run ended.</summary>
public enum TrainOutcome
{
    /// <summary>All epochs done.</summary>
    Completed,

    /// <summary>Stopped early (time limit, Ctrl-C or cancellation) after saving; <c>--resume</c> continues it.</summary>
    Stopped,

    /// <summary>The loss became NaN or infinite; the last good checkpoint is left as it was.</summary>
    Diverged,
}

public sealed record TrainResult(TrainOutcome Outcome, TrainingPosition Position, string RunDirectory, string LastCheckpoint,
    double? LastValidationMap, TimeSpan Elapsed);

/// <summary>
/// Trains an SSD-Lite on VOC-format data: data check, SSD augmentation, MultiBox loss, SGD with a warm-up plus
/// cosine or multi-step schedule stepped per iteration, validation mAP, atomic checkpoints
/// (runs/NAME/checkpoints/last.ckpt and best.ckpt) and exact resumption from any step.
/// </summary>
public sealed class Trainer
{
    private readonly TrainOptions options;
    private readonly ITrainingProgress progress;

    public Trainer(TrainOptions options, ITrainingProgress progress)
    {
        options.Validate();
        this.options = options;
        this.progress = progress;
    }

    /// <summary>Raised after each completed epoch (tests stop a run at an epoch boundary through it).</summary>
    public event Action<EpochMetrics>? EpochCompleted;

    public string RunDirectory => options.Out;

    public string LastCheckpointPath => Path.Combine(options.Out, "checkpoints", "last.ckpt");

    public string BestCheckpointPath => Path.Combine(options.Out, "checkpoints", "best.ckpt");

    public string EpochCheckpointPath(int epoch) => Path.Combine(options.Out, "checkpoints", $"epoch-{epoch}.ckpt");

    /// <summary>Trains from scratch (or <c>pretrained</c>), or continues <paramref name="resumePath"/>.</summary>
    public TrainResult Run(string? resumePath = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var device = ResolveDevice(options.Device);
        CheckPrecision(device);
        var labels = ResolveLabels(resumePath);
        var train = OpenSplit(options.Data, options.TrainSplit, labels, "training");
        var val = options.ValData is { } v ? OpenSplit([v], options.ValSplit, labels, "validation") : null;
        var config = resumePath is null
            ? options.ModelConfig(labels.Names)
            : TrainingCheckpoint.ReadConfig(resumePath);
        Directory.CreateDirectory(Path.Combine(options.Out, "checkpoints"));
        File.WriteAllText(Path.Combine(options.Out, "config.yaml"), options.ToYaml());
        File.WriteAllLines(Path.Combine(options.Out, "labels.txt"), labels.Names);

        torch.manual_seed(unchecked((long)options.Seed));
        using var model = new SsdLiteModel(config);
        model.to(device);
        model.to(LayoutFor(device));
        var loader = CreateLoader(train, config);
        var parts = TrainableParts.Apply(model, options);
        using var optimizer = parts.CreateOptimizer(options);
        var position = new TrainingPosition(0, 0, 0, null);
        if (resumePath is not null)
        {
            position = TrainingCheckpoint.Restore(resumePath, model, optimizer, parts.Signature());
            progress.Message($"resumed {resumePath}: epoch {position.Epoch + 1}, step {position.Step}");
        }
        else if (options.Pretrained is { } pretrained)
        {
            PretrainedWeights.Load(model, Weights.WeightsResolver.Resolve(pretrained), progress.Message);
        }
        progress.Message(parts.Describe());
        var scheduler = CreateScheduler(optimizer, loader.BatchesPerEpoch, position.Step);
        progress.Message($"{config}; {model.parameters().Sum(p => p.numel()):N0} parameters; device {device}; " +
            $"{train.Count} training images, {loader.BatchesPerEpoch} steps per epoch" + (val is null ? "" : $", {val.Count} validation images"));
        var run = new RunState(this, model, parts, optimizer, scheduler, loader, val, device, clock, cancellationToken) { Position = position };
        progress.Run(run.Execute);
        return new TrainResult(run.Outcome, run.Position, options.Out, LastCheckpointPath, run.LastMap, clock.Elapsed);
    }

    private static Device ResolveDevice(string name)
    {
        try
        {
            return Devices.EnsureAvailable(Devices.Parse(name));
        }
        catch (ArgumentException e)
        {
            throw new ConfigException($"--device {e.Message}");
        }
    }

    /// <summary>bf16 runs under libtorch's CPU autocast, so it needs the CPU device and native bfloat16 arithmetic.</summary>
    private void CheckPrecision(Device device)
    {
        if (options.Precision != TrainPrecision.Bf16) return;
        if (device.type != DeviceType.CPU) throw new ConfigException($"precision bf16 is CPU autocast; device {device} trains in fp32 only");
        if (CpuAutocast.Unsupported() is { } reason) throw new ConfigException($"precision bf16: {reason}; train with --precision fp32");
    }

    private Labels ResolveLabels(string? resumePath)
    {
        if (resumePath is not null) return Labels.FromNames(TrainingCheckpoint.ReadConfig(resumePath).ClassNames, resumePath);
        if (options.Labels is { } file) return Labels.Load(file);
        // COCO and YOLO data name their classes (categories, data.yaml names).
        if (DetectionDatasets.DeclaredLabels(options.Data[0], DataFormat) is { } declared) return declared;
        // A dataset root with labels.txt names its own classes (as the reference reads them); VOC otherwise.
        var beside = Path.Combine(options.Data[0], "labels.txt");
        return File.Exists(beside) ? Labels.Load(beside) : Labels.Voc;
    }

    /// <summary>The data's format: named in the options, else told by the first training path.</summary>
    private DatasetFormat DataFormat
    {
        get
        {
            if (options.Format is { } format) return format;
            var first = options.Data[0];
            if (!Directory.Exists(first) && !File.Exists(first)) throw new ConfigException($"training data: not found: {first}");
            return DetectionDatasets.Detect(first);
        }
    }

    private DetectionDataset OpenSplit(IReadOnlyList<string> roots, string split, Labels labels, string role)
    {
        foreach (var root in roots)
        {
            if (!Directory.Exists(root) && !File.Exists(root)) throw new ConfigException($"{role} data: not found: {root}");
        }
        var check = new DataCheckOptions
        {
            Policy = options.Strict ? DataCheckPolicy.Strict : DataCheckPolicy.Report,
            Log = new ProgressWriter(progress),
        };
        var dataset = DetectionDatasets.Open(roots, DataFormat, split, labels, options.KeepDifficult, check, options.Images);
        if (dataset.Count == 0) throw new ConfigException($"{role} data: no usable images in split '{split}' of {string.Join(", ", roots)}");
        return dataset;
    }

    private DataLoader<AnnotatedImage> CreateLoader(DetectionDataset train, SsdLiteConfig config)
    {
        var priors = config.GeneratePriors();
        var matcher = new Matcher(priors, new BoxCoder(config.Priors));
        var transform = new VocTrainingTransform(CreateAugmentation(config.InputSize), options.KeepDifficult);
        var loaderOptions = new DataLoaderOptions
        {
            Sampler = options.BalanceData ? CreateSampler(train, config) : null,
            BatchSize = options.BatchSize,
            ImageSize = config.InputSize,
            PriorCount = priors.Length / 4,
            Workers = options.Workers,
            Seed = options.Seed,
        };
        var loader = new DataLoader<AnnotatedImage>(train, transform.Apply, matcher.Encode, loaderOptions);
        if (loader.BatchesPerEpoch == 0)
            throw new ConfigException($"training data: {train.Count} images make no full batch of {options.BatchSize}; lower --batch-size");
        loader.SampleFailed += f => progress.Message($"warning: {f}");
        return loader;
    }

    private BalancedSampler CreateSampler(DetectionDataset train, SsdLiteConfig config)
    {
        var sampler = BalancedSampler.For(train, options.KeepDifficult);
        progress.Message($"balance_data: images per class before -> drawn per epoch after: {sampler.Describe(config.Label)}");
        return sampler;
    }

    /// <summary>
    /// The activation layout: channels last on the CPU, where libtorch's oneDNN convolutions run it about 1.6x faster
    /// per training step than NCHW (docs/benchmarks.md); NCHW elsewhere.
    /// </summary>
    private static MemoryFormat LayoutFor(Device device) => device.type == DeviceType.CPU ? MemoryFormat.ChannelsLast : MemoryFormat.Contiguous;

    /// <summary>SSD's augmentation with the run's zoom-out and crop settings.</summary>
    private SsdAugmentation CreateAugmentation(int inputSize) => new(inputSize)
    {
        Expand = new Expand { MaxRatio = (float)options.ExpandMaxRatio, Probability = options.ExpandProbability },
        Crop = new RandomSampleCrop
        {
            MinScale = (float)options.CropMinScale,
            MinAspect = 1 / (float)options.CropMaxAspect,
            MaxAspect = (float)options.CropMaxAspect,
        },
    };

    /// <summary>
    /// Per-iteration schedule: linear warm-up, then cosine to 0 or step decays at epoch milestones, as one closed-form
    /// factor of the step count (TorchSharp's LambdaLR), so a resumed run starts at <paramref name="stepsDone"/> exactly.
    /// </summary>
    private optim.lr_scheduler.LRScheduler CreateScheduler(OptimizerHelper optimizer, int stepsPerEpoch, long stepsDone)
    {
        var total = (options.TMax ?? options.Epochs) * stepsPerEpoch;
        var warmup = (int)Math.Round(options.WarmupEpochs * stepsPerEpoch);
        var rest = Math.Max(1, total - warmup);
        var milestones = options.Milestones.Select(m => m * stepsPerEpoch - warmup).ToArray();
        Func<int, double> after = options.Scheduler switch
        {
            ScheduleKind.Cosine => t => (1 + Math.Cos(Math.PI * Math.Min(t, rest) / rest)) / 2,
            ScheduleKind.MultiStep => t => Math.Pow(options.Gamma, milestones.Count(m => m <= t)),
            _ => _ => 1.0,
        };
        var factor = WarmupFactor.Of(warmup, options.WarmupFactor, after);
        return optim.lr_scheduler.LambdaLR(optimizer, factor, last_epoch: checked((int)stepsDone) - 1);
    }

    private void Save(RunState run, string path) =>
        TrainingCheckpoint.Save(path, run.Model, run.Optimizer, run.Position, options, run.Parts.Signature());

    /// <summary>The mutable state of one run, so the loop reads step by step.</summary>
    private sealed class RunState(Trainer owner, SsdLiteModel model, TrainableParts parts, OptimizerHelper optimizer, optim.lr_scheduler.LRScheduler scheduler, DataLoader<AnnotatedImage> loader,
        DetectionDataset? val, Device device, Stopwatch clock, CancellationToken cancellation)
    {
        private readonly TrainingStep step = new(model, optimizer, owner.options.Precision);
        private readonly MemoryFormat layout = LayoutFor(device);
        private readonly TrainOptions options = owner.options;
        private readonly ITrainingProgress progress = owner.progress;

        public SsdLiteModel Model => model;
        public TrainableParts Parts => parts;
        public OptimizerHelper Optimizer => optimizer;
        public TrainingPosition Position { get; set; } = new(0, 0, 0, null);
        public TrainOutcome Outcome { get; private set; } = TrainOutcome.Completed;
        public double? LastMap { get; private set; }

        public void Execute()
        {
            model.train();
            parts.HoldFrozenBatchNorm();
            while (Position.Epoch < options.Epochs)
            {
                var finished = TrainEpoch(Position.Epoch);
                if (Outcome == TrainOutcome.Diverged) return;
                if (!finished)
                {
                    owner.Save(this, owner.LastCheckpointPath);
                    Outcome = TrainOutcome.Stopped;
                    progress.Message($"stopped at epoch {Position.Epoch + 1} step {Position.EpochStep}; saved {owner.LastCheckpointPath} (continue with --resume)");
                    return;
                }
            }
        }

        private bool ShouldStop() =>
            cancellation.IsCancellationRequested || (options.MaxMinutes is { } m && clock.Elapsed.TotalMinutes >= m);

        /// <summary>One epoch from the saved position; false when stopped early (or diverged).</summary>
        private bool TrainEpoch(int epoch)
        {
            // No layer draws random numbers today; seeding per epoch keeps a resumed run exact if one ever does.
            torch.manual_seed(unchecked((long)(options.Seed + (ulong)epoch * 7919UL)));
            var sums = new double[3];
            var images = 0;
            var epochClock = Stopwatch.StartNew();
            var skip = Position.EpochStep;
            foreach (var batch in loader.GetBatches(epoch))
            {
                if (batch.Index < skip) continue;
                if (ShouldStop()) return false;
                var (total, reg, cls) = TrainStep(batch);
                if (!double.IsFinite(total))
                {
                    progress.Message($"error: loss became {total} at epoch {epoch + 1} step {batch.Index + 1}; stopping. " +
                        $"The last good checkpoint is {owner.LastCheckpointPath}; try a lower --lr or a longer warm-up.");
                    Outcome = TrainOutcome.Diverged;
                    return false;
                }
                sums[0] += total;
                sums[1] += reg;
                sums[2] += cls;
                images += batch.Count;
                Position = Position with { EpochStep = batch.Index + 1, Step = Position.Step + 1 };
                Report(epoch, batch.Index + 1, batch.Index + 1 - skip, sums, images, epochClock);
            }
            var steps = Math.Max(1, loader.BatchesPerEpoch - skip);
            EndEpoch(epoch, sums.Select(s => s / steps).ToArray(), images / Math.Max(1e-9, epochClock.Elapsed.TotalSeconds));
            return true;
        }

        private (double Total, double Regression, double Classification) TrainStep(DataBatch batch)
        {
            using var scope = torch.NewDisposeScope();
            var n = batch.Count;
            var s = batch.ImageSize;
            var p = batch.PriorCount;
            // The loader reuses its arrays for the next batch: torch.tensor copies them.
            var x = torch.tensor(batch.Images.AsMemory(0, n * 3 * s * s), [n, 3, s, s]).to(device).contiguous(layout);
            var gtLoc = torch.tensor(batch.Locations.AsMemory(0, n * p * 4), [n, p, 4]).to(device);
            var labels = torch.tensor(batch.Labels.AsMemory(0, n * p), [n, p]).to(device);
            var outputs = step.Forward(x);
            var parts = step.Loss(outputs, labels, gtLoc);
            var total = parts.Total();
            var value = total.item<float>();
            if (!double.IsFinite(value)) return (value, double.NaN, double.NaN);
            step.Backward(total);
            step.Update();
            scheduler.step();
            return (value, parts.Regression.item<float>(), parts.Classification.item<float>());
        }

        private void Report(int epoch, int step, int stepsDone, double[] sums, int images, Stopwatch epochClock)
        {
            var seconds = Math.Max(1e-9, epochClock.Elapsed.TotalSeconds);
            var stepsLeft = (options.Epochs - epoch) * (long)loader.BatchesPerEpoch - step;
            progress.Step(new StepReport(epoch, options.Epochs, step, loader.BatchesPerEpoch, sums[0] / stepsDone, sums[1] / stepsDone,
                sums[2] / stepsDone, scheduler.get_last_lr().First(), images / seconds, TimeSpan.FromSeconds(stepsLeft * seconds / stepsDone)));
        }

        private void EndEpoch(int epoch, double[] means, double imagesPerSecond)
        {
            double? map = null;
            var validate = val is not null && options.ValEvery > 0 && ((epoch + 1) % options.ValEvery == 0 || epoch + 1 == options.Epochs);
            if (validate) map = Validate();
            var improved = map is { } m && (Position.BestMap is null || m > Position.BestMap);
            Position = Position with { Epoch = epoch + 1, EpochStep = 0, BestMap = improved ? map : Position.BestMap };
            owner.Save(this, owner.LastCheckpointPath);
            // Without validation data the latest weights are the best we know of.
            if (improved || val is null) owner.Save(this, owner.BestCheckpointPath);
            if (options.SaveEvery > 0 && (epoch + 1) % options.SaveEvery == 0) owner.Save(this, owner.EpochCheckpointPath(epoch + 1));
            var metrics = new EpochMetrics(epoch + 1, Position.Step, scheduler.get_last_lr().First(), means[0], means[1], means[2],
                imagesPerSecond, clock.Elapsed.TotalSeconds, map);
            new MetricsLog(Path.Combine(options.Out, "metrics.csv")).Append(metrics);
            PlotTrainingCurves();
            var mapText = map is { } v ? FormattableString.Invariant($", val mAP@0.5 {v:F4}") : "";
            progress.Message(FormattableString.Invariant(
                $"epoch {epoch + 1}/{options.Epochs}: loss {means[0]:F3} (reg {means[1]:F3} cls {means[2]:F3}), {imagesPerSecond:F1} img/s{mapText}, {clock.Elapsed.TotalMinutes:F1} min"));
            owner.EpochCompleted?.Invoke(metrics);
        }

        /// <summary>Redraws runs/NAME/training_curves.png from metrics.csv; a plot that fails never stops training.</summary>
        private void PlotTrainingCurves()
        {
            var csv = Path.Combine(options.Out, "metrics.csv");
            try
            {
                Plots.TrainingCurvesPlot.Write(Path.Combine(options.Out, Plots.TrainingCurvesPlot.FileName), Plots.TrainingCurvesPlot.ReadCsv(csv));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
            {
                progress.Message($"warning: could not draw the training curves: {e.Message}");
            }
        }

        private double Validate()
        {
            var evaluation = new ModelEvaluation(model, device).Evaluate(val!, options.ValMaxImages);
            // Evaluation puts the whole model back in training mode.
            parts.HoldFrozenBatchNorm();
            LastMap = evaluation.Evaluate(VocMetric.Voc07).MeanAveragePrecision;
            return LastMap.Value;
        }
    }
}

/// <summary>Routes the data check's log lines into the progress display.</summary>
internal sealed class ProgressWriter(ITrainingProgress progress) : TextWriter
{
    private readonly System.Text.StringBuilder line = new();

    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            progress.Message(line.ToString().TrimEnd('\r'));
            line.Clear();
        }
        else
        {
            line.Append(value);
        }
    }
}
