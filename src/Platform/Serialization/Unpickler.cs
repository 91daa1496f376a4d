using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace SsdLite.Platform.Serialization;

/// <summary>
/// A small pickle virtual machine for torch.save state_dicts. It builds plain values, calls only the
/// allow-listed globals of <see cref="TorchGlobals"/>, and hands persistent ids (storages) to a callback.
/// Problems are reported as <see cref="InvalidDataException"/> naming the opcode offset; the caller adds the file.
/// </summary>
internal sealed class Unpickler
{
    private const int MaxGlobalLineLength = 256;

    /// <summary>The longest LONG1/LONG4 integer accepted, in bytes; a state_dict's longest is the 10-byte legacy magic.</summary>
    public const int MaxLongBytes = 64;

    private readonly Stream _stream;
    private readonly Func<object?, object?> _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private long _opcodeOffset;

    private Unpickler(Stream stream, Func<object?, object?> persistentLoad)
    {
        _stream = stream;
        _persistentLoad = persistentLoad;
    }

    /// <summary>
    /// Reads one pickle from the stream's current position and leaves the stream just past its STOP opcode, so
    /// that several pickles (and raw data) can follow one another, as in the legacy checkpoint format.
    /// </summary>
    public static object? Load(Stream stream, Func<object?, object?> persistentLoad)
    {
        var machine = new Unpickler(stream, persistentLoad);
        return machine.Run();
    }

    private object? Run()
    {
        while (true)
        {
            _opcodeOffset = _stream.Position;
            var opcode = (PickleOpcode)ReadByte();
            if (opcode == PickleOpcode.Stop)
                return Pop();
            Execute(opcode);
        }
    }

    private void Execute(PickleOpcode opcode)
    {
        switch (opcode)
        {
            case PickleOpcode.Proto: ReadByte(); break;
            case PickleOpcode.Frame: ReadBytes(8); break; // framing only helps buffered readers
            case PickleOpcode.Mark: _marks.Push(_stack.Count); break;
            case PickleOpcode.Pop: Pop(); break;
            case PickleOpcode.PopMark: PopToMark(); break;
            case PickleOpcode.Dup: Push(Peek()); break;
            case PickleOpcode.None: Push(null); break;
            case PickleOpcode.NewTrue: Push(true); break;
            case PickleOpcode.NewFalse: Push(false); break;
            case PickleOpcode.BinInt: Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break;
            case PickleOpcode.BinInt1: Push((long)ReadByte()); break;
            case PickleOpcode.BinInt2: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break;
            case PickleOpcode.Long1: Push(ReadLong(ReadByte())); break;
            case PickleOpcode.Long4: Push(ReadLong(ReadLength(4))); break;
            case PickleOpcode.BinFloat: Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break;
            case PickleOpcode.BinUnicode or PickleOpcode.BinString: Push(ReadString(ReadLength(4))); break;
            case PickleOpcode.ShortBinUnicode or PickleOpcode.ShortBinString: Push(ReadString(ReadByte())); break;
            case PickleOpcode.BinUnicode8: Push(ReadString(ReadLength(8))); break;
            case PickleOpcode.BinBytes: Push(ReadBytes(ReadLength(4))); break;
            case PickleOpcode.ShortBinBytes: Push(ReadBytes(ReadByte())); break;
            case PickleOpcode.EmptyTuple: Push(Array.Empty<object?>()); break;
            case PickleOpcode.Tuple: Push(PopToMark().ToArray()); break;
            case PickleOpcode.Tuple1: Push(PopMany(1)); break;
            case PickleOpcode.Tuple2: Push(PopMany(2)); break;
            case PickleOpcode.Tuple3: Push(PopMany(3)); break;
            case PickleOpcode.EmptyList: Push(new List<object?>()); break;
            case PickleOpcode.List: Push(PopToMark()); break;
            case PickleOpcode.Append: AppendItems([Pop()]); break;
            case PickleOpcode.Appends: AppendItems(PopToMark()); break;
            case PickleOpcode.EmptyDict: Push(new PickleDict()); break;
            case PickleOpcode.Dict: Push(SetItems(new PickleDict(), PopToMark())); break;
            case PickleOpcode.SetItem: SetItems(PeekDictBelow(2), PopMany(2)); break;
            case PickleOpcode.SetItems: SetItemsFromMark(); break;
            case PickleOpcode.BinPut: _memo[ReadByte()] = Peek(); break;
            case PickleOpcode.LongBinPut: _memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))] = Peek(); break;
            case PickleOpcode.Memoize: _memo[_memo.Count] = Peek(); break;
            case PickleOpcode.BinGet: Push(MemoGet(ReadByte())); break;
            case PickleOpcode.LongBinGet: Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break;
            case PickleOpcode.Global: Push(ResolveGlobal(ReadLine(), ReadLine())); break;
            case PickleOpcode.StackGlobal: StackGlobal(); break;
            case PickleOpcode.Reduce or PickleOpcode.NewObj: Call(); break;
            case PickleOpcode.Build: Build(); break;
            case PickleOpcode.BinPersId: Push(_persistentLoad(Pop())); break;
            default: throw Error($"unsupported pickle opcode 0x{(byte)opcode:X2}");
        }
    }

    // ---- stack ----

    private void Push(object? value) => _stack.Add(value);

    // Like CPython, values below the innermost open MARK are out of reach until that mark is closed.
    private object? Peek() => _stack.Count > MarkFloor() ? _stack[^1] : throw Error("pickle stack underflow");

    private object? Pop()
    {
        object? top = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return top;
    }

    private object?[] PopMany(int count)
    {
        if (_stack.Count - MarkFloor() < count)
            throw Error("pickle stack underflow");
        object?[] items = [.. _stack.GetRange(_stack.Count - count, count)];
        _stack.RemoveRange(_stack.Count - count, count);
        return items;
    }

    private int MarkFloor() => _marks.Count > 0 ? _marks.Peek() : 0;

    private List<object?> PopToMark()
    {
        if (_marks.Count == 0)
            throw Error("pickle MARK expected but none is open");
        int mark = _marks.Pop();
        List<object?> items = _stack.GetRange(mark, _stack.Count - mark);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private object? MemoGet(long key) =>
        _memo.TryGetValue(key, out object? value) ? value : throw Error($"pickle memo entry {key} is not set");

    // ---- containers ----

    private void AppendItems(List<object?> items)
    {
        if (Peek() is not List<object?> list)
            throw Error($"APPEND to {TorchGlobals.Describe(Peek())}, not a list");
        list.AddRange(items);
    }

    private PickleDict PeekDictBelow(int depth)
    {
        int at = _stack.Count - 1 - depth;
        if (at < 0)
            throw Error("pickle stack underflow");
        return _stack[at] as PickleDict ?? throw Error($"SETITEM on {TorchGlobals.Describe(_stack[at])}, not a dict");
    }

    private void SetItemsFromMark()
    {
        List<object?> items = PopToMark();
        if (Peek() is not PickleDict dict)
            throw Error($"SETITEMS on {TorchGlobals.Describe(Peek())}, not a dict");
        SetItems(dict, items);
    }

    private PickleDict SetItems(PickleDict dict, IReadOnlyList<object?> keysAndValues)
    {
        if (keysAndValues.Count % 2 != 0)
            throw Error("odd number of items for a dict");
        for (int i = 0; i < keysAndValues.Count; i += 2)
            dict.Set(keysAndValues[i] ?? throw Error("None as a dict key"), keysAndValues[i + 1]);
        return dict;
    }

    // ---- globals and calls ----

    private void StackGlobal()
    {
        object?[] moduleAndName = PopMany(2);
        if (moduleAndName is not [string module, string name])
            throw Error("STACK_GLOBAL expects two strings");
        Push(ResolveGlobal(module, name));
    }

    private object? ResolveGlobal(string module, string name) =>
        TorchGlobals.TryResolve(module, name, out object? value)
            ? value
            : throw Error($"refused global '{module}.{name}': not on the allow list of a state_dict reader");

    private void Call()
    {
        object? args = Pop();
        object? callable = Pop();
        if (callable is not PickleCallable function)
            throw Error($"cannot call {TorchGlobals.Describe(callable)}");
        if (args is not object?[] tuple)
            throw Error($"{function} called with {TorchGlobals.Describe(args)} instead of an argument tuple");
        Push(function.Invoke(tuple));
    }

    // BUILD sets an object's state; on a dict (an OrderedDict state_dict) the state holds its _metadata attribute.
    private void Build()
    {
        object? state = Pop();
        if (Peek() is not PickleDict target || state is not PickleDict attributes)
            throw Error($"BUILD of {TorchGlobals.Describe(Peek())} with {TorchGlobals.Describe(state)} is not supported");
        foreach ((object key, object? value) in attributes.Items)
        {
            if (key is string name)
                target.Attributes[name] = value;
        }
    }

    // ---- primitive reads ----

    private byte ReadByte()
    {
        int value = _stream.ReadByte();
        return value >= 0 ? (byte)value : throw new EndOfStreamException($"unexpected end of data in a pickle at offset {_stream.Position}");
    }

    private byte[] ReadBytes(long count)
    {
        // Compare with what is left before allocating, so a corrupt length cannot ask for gigabytes.
        if (count > _stream.Length - _stream.Position)
            throw new EndOfStreamException($"unexpected end of data in a pickle at offset {_opcodeOffset} ({count} bytes announced, {_stream.Length - _stream.Position} left)");
        var bytes = new byte[count];
        _stream.ReadExactly(bytes);
        return bytes;
    }

    private long ReadLength(int width)
    {
        byte[] bytes = ReadBytes(width);
        long length = width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadInt64LittleEndian(bytes);
        return length >= 0 ? length : throw Error($"negative length {length}");
    }

    private object ReadLong(long byteCount)
    {
        if (byteCount > MaxLongBytes)
            throw Error($"integer of {byteCount} bytes; at most {MaxLongBytes} are accepted");
        var value = new BigInteger(ReadBytes(byteCount), isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }

    private string ReadString(long byteCount) => Encoding.UTF8.GetString(ReadBytes(byteCount));

    private string ReadLine()
    {
        var line = new StringBuilder();
        for (byte b = ReadByte(); b != (byte)'\n'; b = ReadByte())
        {
            if (line.Length == MaxGlobalLineLength)
                throw Error("GLOBAL name too long");
            line.Append((char)b);
        }
        return line.ToString();
    }

    private InvalidDataException Error(string problem) => new($"{problem} (pickle opcode at offset {_opcodeOffset})");
}
