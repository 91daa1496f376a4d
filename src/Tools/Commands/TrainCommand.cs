using System.CommandLine;
using System.Globalization;
using SsdLite.Tools.Training;

namespace SsdLite.Tools.Commands;

/// <summary><c>ssdlite train</c>: a YAML config plus command-line overrides, then <see cref="Trainer"/>.</summary>
internal static class TrainCommand
{
    private sealed record Flags(Option<string?> Config, Option<string[]> Data, Option<string?> ValData, Option<string?> Labels,
        Option<int?> Epochs, Option<int?> BatchSize, Option<double?> Lr, Option<string?> Device, Option<string?> Pretrained,
        Option<string?> Resume, Option<string?> Out, Option<double?> MaxMinutes, Option<bool> Strict, Option<ulong?> Seed,
        Option<string[]> Set, Option<string?> Arch, Option<string?> Format, Option<string?> Images, Option<string?> Precision,
        Option<bool> FreezeBaseNet, Option<bool> FreezeNet, Option<string?> FreezeBn, Option<double?> BaseNetLr, Option<double?> ExtraLayersLr,
        Option<bool> BalanceData);

    public static Command Create()
    {
        var f = new Flags(
            new("--config") { Description = "YAML config (keys: see --set); defaults are the reference VOC recipe" },
            new("--data") { Description = "Data to train on: VOC root(s), COCO .json file(s) or YOLO data.yaml file(s)", AllowMultipleArgumentsPerToken = true },
            new("--val-data") { Description = "Data to validate on, of the same format (split: val_split, default test)" },
            new("--labels") { Description = "Labels file (one name per line or comma-separated); default: DATA/labels.txt or the 20 VOC classes" },
            new("--epochs") { Description = "Epochs" },
            new("--batch-size") { Description = "Images per step" },
            new("--lr") { Description = "Initial learning rate" },
            new("--device") { Description = "cpu or cuda" },
            new("--pretrained") { Description = "Start from weights, a path or the name of published weights (ssdlite weights list): an SsdLite checkpoint or reference .pth of the same arch, or a backbone (torchvision mobilenet_v2 for mb2-ssd-lite, an ImageNet MobileNetV1 .pth for the mb1 archs)" },
            new("--resume") { Description = "Continue a run from its checkpoint (runs/NAME/checkpoints/last.ckpt)" },
            new("--out") { Description = "Run folder (checkpoints/, metrics.csv, config.yaml)" },
            new("--max-minutes") { Description = "Stop cleanly after this many minutes, saving a resumable checkpoint" },
            new("--strict") { Description = "Refuse to train when the data check finds any problem (default: report and skip)" },
            new("--seed") { Description = "Seed of initialisation, shuffling and augmentation" },
            new("--set") { Description = "Override any config key: --set key=value (repeatable), e.g. --set warmup_epochs=1", AllowMultipleArgumentsPerToken = true },
            ArchOption.Create("The detector to train (config key arch; default mb2-ssd-lite)"),
            new("--format") { Description = "The data's format: voc, coco or yolo (default: told by --data: a .json is COCO, a data.yaml YOLO)" },
            new("--images") { Description = "COCO data: the folder file_name is relative to (default: the JSON file's folder)" },
            new("--precision") { Description = "fp32 (default) or bf16: the forward pass in bfloat16 under libtorch's CPU autocast, float32 master weights (CPUs with AVX512-BF16 or AMX)" },
            new("--freeze-base-net") { Description = "Do not train the backbone (base_net): no gradients, no optimizer state (config key freeze_base_net)" },
            new("--freeze-net") { Description = "Train only the prediction heads: backbone and extras frozen (config key freeze_net)" },
            new("--freeze-bn") { Description = "true (default): frozen parts' BatchNorm layers stay in eval mode; false: their statistics update, as in the reference (config key freeze_bn)" },
            new("--base-net-lr") { Description = "The backbone's learning rate (default: --lr; config key base_net_lr)" },
            new("--extra-layers-lr") { Description = "The extra layers' learning rate (default: --lr; config key extra_layers_lr)" },
            new("--balance-data") { Description = "Sample images weighted by the inverse frequency of their rarest class (config key balance_data)" });
        f.FreezeBn.AcceptOnlyFromAmong("true", "false");
        f.Precision.AcceptOnlyFromAmong("fp32", "bf16");
        var command = new Command("train", "Train an SSD or SSD-Lite detector on VOC, COCO or YOLO data")
        {
            f.Config, f.Data, f.ValData, f.Labels, f.Epochs, f.BatchSize, f.Lr, f.Device, f.Pretrained, f.Resume, f.Out,
            f.MaxMinutes, f.Strict, f.Seed, f.Set, f.Arch, f.Format, f.Images, f.Precision,
            f.FreezeBaseNet, f.FreezeNet, f.FreezeBn, f.BaseNetLr, f.ExtraLayersLr, f.BalanceData,
        };
        command.SetAction(r => CommandRunner.RunWithEngine("train", () => Execute(r, f)));
        return command;
    }

    private static int Execute(ParseResult r, Flags f)
    {
        var resume = r.GetValue(f.Resume);
        var options = BaseOptions(r.GetValue(f.Config), resume);
        ApplyFlags(options, r, f);
        return RunTraining(options, resume);
    }

    private static TrainOptions BaseOptions(string? config, string? resume)
    {
        if (config is not null) return TrainOptions.Load(config);
        if (resume is not null) return TrainingCheckpoint.ReadOptions(resume);
        return new TrainOptions();
    }

    private static void ApplyFlags(TrainOptions o, ParseResult r, Flags f)
    {
        if (ArchOption.Value(r, f.Arch) is { } arch) o.Arch = arch;
        if (r.GetValue(f.Data) is { Length: > 0 } data) o.Data = data.ToList();
        if (r.GetValue(f.ValData) is { } val) o.ValData = val;
        if (r.GetValue(f.Labels) is { } labels) o.Labels = labels;
        if (r.GetValue(f.Format) is { } format) o.Set("format", format, "--format");
        if (r.GetValue(f.Images) is { } images) o.Images = images;
        if (r.GetValue(f.Epochs) is { } epochs) o.Epochs = epochs;
        if (r.GetValue(f.BatchSize) is { } batch) o.BatchSize = batch;
        if (r.GetValue(f.Lr) is { } lr) o.Lr = lr;
        if (r.GetValue(f.Device) is { } device) o.Device = device;
        if (r.GetValue(f.Pretrained) is { } pretrained) o.Pretrained = pretrained;
        if (r.GetValue(f.Out) is { } outDir) o.Out = outDir;
        if (r.GetValue(f.MaxMinutes) is { } minutes) o.MaxMinutes = minutes;
        if (r.GetValue(f.Strict)) o.Strict = true;
        if (r.GetValue(f.Seed) is { } seed) o.Seed = seed;
        if (r.GetValue(f.Precision) is { } precision) o.Set("precision", precision, "--precision");
        if (r.GetValue(f.FreezeBaseNet)) o.FreezeBaseNet = true;
        if (r.GetValue(f.FreezeNet)) o.FreezeNet = true;
        if (r.GetValue(f.FreezeBn) is { } freezeBn) o.Set("freeze_bn", freezeBn, "--freeze-bn");
        if (r.GetValue(f.BaseNetLr) is { } baseNetLr) o.BaseNetLr = baseNetLr;
        if (r.GetValue(f.ExtraLayersLr) is { } extraLayersLr) o.ExtraLayersLr = extraLayersLr;
        if (r.GetValue(f.BalanceData)) o.BalanceData = true;
        o.Apply(r.GetValue(f.Set) ?? []);
    }

    /// <summary>Trains with Ctrl-C wired to a clean stop; the exit code says how the run ended.</summary>
    public static int RunTraining(TrainOptions options, string? resume)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // The first Ctrl-C stops after the current step and saves; a second one ends the process.
            if (cts.IsCancellationRequested) return;
            e.Cancel = true;
            cts.Cancel();
            Console.Error.WriteLine("train: stopping after this step (Ctrl-C again to abort without saving)");
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var trainer = new Trainer(options, CreateProgress(options));
            var result = trainer.Run(resume, cts.Token);
            var bestText = result.Position.BestMap is { } best ? FormattableString.Invariant($", best val mAP@0.5 {best:F4}") : "";
            Console.WriteLine(FormattableString.Invariant(
                $"train: {result.Outcome.ToString().ToLowerInvariant()} after {result.Elapsed.TotalMinutes:F1} min, epoch {result.Position.Epoch}/{options.Epochs}{bestText}; checkpoints in {Path.Combine(result.RunDirectory, "checkpoints")}"));
            return result.Outcome == TrainOutcome.Diverged ? CommandRunner.Failure : 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    public static ITrainingProgress CreateProgress(TrainOptions options) =>
        Console.IsOutputRedirected || !Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive
            ? new LineProgress(Console.Out, TimeSpan.FromSeconds(options.LogEverySeconds))
            : new LiveProgress();
}
