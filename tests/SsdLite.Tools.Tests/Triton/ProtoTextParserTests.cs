using SsdLite.Tools.Tests.Triton.Schema;

namespace SsdLite.Tools.Tests.Triton;

/// <summary>The text-format reader refuses what Triton's schema refuses, so a config that passes it is not passing by default.</summary>
public sealed class ProtoTextParserTests
{
    [Fact]
    public void ItReadsTheFormsTritonConfigsUse()
    {
        var config = ProtoTextParser.Parse<ModelConfig>("""
            # a comment
            name: "m" platform: 'onnxruntime_onnx'
            max_batch_size: 4
            input { name: "x" data_type: TYPE_FP32 dims: [ 3, -1 ] }
            input: { name: "y", data_type: TYPE_INT32, dims: 1, dims: 2 };
            output [ { name: "n" dims: [ 1 ] reshape: { shape: [ ] } }, { name: "s" label_filename: "l.txt" } ]
            dynamic_batching { preferred_batch_size: [ 2, 4 ] max_queue_delay_microseconds: 100 }
            instance_group [ { kind: KIND_GPU count: 2 gpus: [ 0 ] } ]
            """);
        Assert.Equal("m", config.Name);
        Assert.Equal("onnxruntime_onnx", config.Platform);
        Assert.Equal(4, config.MaxBatchSize);
        Assert.Equal(new long[] { 3, -1 }, config.Input[0].Dims);
        Assert.Equal(new long[] { 1, 2 }, config.Input[1].Dims);
        Assert.Equal(DataType.TypeInt32, config.Input[1].DataType);
        Assert.Empty(config.Output[0].Reshape.Shape);
        Assert.Null(config.Output[1].Reshape);
        Assert.Equal("l.txt", config.Output[1].LabelFilename);
        Assert.Equal([2, 4], config.DynamicBatching.PreferredBatchSize);
        Assert.Equal(100UL, config.DynamicBatching.MaxQueueDelayMicroseconds);
        Assert.Equal(ModelInstanceGroup.Types.Kind.Gpu, config.InstanceGroup[0].Kind);
        Assert.Equal(2, config.InstanceGroup[0].Count);
    }

    [Theory]
    [InlineData("nmae: \"m\"", "no field 'nmae' in inference.ModelConfig")]
    [InlineData("input { name: \"x\" data_type: TYPE_FLOAT32 }", "'TYPE_FLOAT32' is not a value of enum inference.DataType")]
    [InlineData("max_batch_size: 3000000000", "does not fit the field's type Int32")]
    [InlineData("dynamic_batching { max_queue_delay_microseconds: -1 }", "does not fit the field's type UInt64")]
    [InlineData("max_batch_size: 1 max_batch_size: 2", "a singular field given twice")]
    [InlineData("platform: onnxruntime_onnx", "expected a quoted string")]
    [InlineData("max_batch_size: [ 1 ]", "a list given to a field that is not repeated")]
    [InlineData("input { name: \"x\"", "not closed")]
    [InlineData("instance_group [ { kind: KIND_TPU } ]", "'KIND_TPU' is not a value of enum inference.ModelInstanceGroup.Kind")]
    [InlineData("output [ { name: \"s\" labels: \"l.txt\" } ]", "no field 'labels' in inference.ModelOutput")]
    public void ItRefusesWhatTheSchemaDoesNotDeclare(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => ProtoTextParser.Parse<ModelConfig>(text));
        Assert.Contains(expected, e.Message);
    }
}
