// policy.ts: the verdict AND the reason of each rule of the classifier, in the order the rules apply.
import { describe, expect, it } from 'vitest';
import { CAUTION_GLOBALS, classifyGlobal, UNSAFE_GLOBALS, UNSAFE_MODULES } from '../../src/core/scan/policy.js';

const OS = UNSAFE_MODULES.os as string;
const SYS = UNSAFE_MODULES.sys as string;
const NOT_LISTED = "not on the allow-list; importing it runs its module's code, and the scanner cannot vouch for it";
const DOTTED = 'a dotted name walks attributes at load time, and this walk is not on the allow-list';

describe('classifyGlobal reasons', () => {
  it.each([
    // An unsafe module, or any submodule of one: the first (shortest) listed prefix names it.
    ['os', 'system', 'unsafe', `unsafe module os (${OS})`],
    ['os.path', 'join', 'unsafe', `unsafe module os (${OS})`],
    ['numpy.f2py', 'compile', 'unsafe', `unsafe module numpy.f2py (${UNSAFE_MODULES['numpy.f2py']})`],
    ['numpy.f2py.crackfortran', 'x', 'unsafe', `unsafe module numpy.f2py (${UNSAFE_MODULES['numpy.f2py']})`],
    ['requests.api', 'get', 'unsafe', `unsafe module requests (${UNSAFE_MODULES.requests})`],
    ['torch.utils.cpp_extension', 'load', 'unsafe', `unsafe module torch.utils.cpp_extension (${UNSAFE_MODULES['torch.utils.cpp_extension']})`],
    // An exact global.
    ['builtins', 'eval', 'unsafe', UNSAFE_GLOBALS['builtins.eval']],
    ['torch._inductor.codecache', 'compile_file', 'unsafe', UNSAFE_GLOBALS['torch._inductor.codecache.compile_file']],
    // Dotted names walk attributes: the first step that reaches something names it.
    ['builtins', 'eval.__call__', 'unsafe', `its attribute walk reaches builtins.eval, which ${UNSAFE_GLOBALS['builtins.eval']}`],
    ['code', 'x', 'unsafe', `unsafe module code (${UNSAFE_MODULES.code})`],
    ['code.InteractiveInterpreter', 'runcode', 'unsafe', `unsafe module code (${UNSAFE_MODULES.code})`],
    ['lib2to3.pgen2', 'grammar.Grammar.loads.x', 'unsafe', `its attribute walk reaches lib2to3.pgen2.grammar.Grammar.loads, which ${UNSAFE_GLOBALS['lib2to3.pgen2.grammar.Grammar.loads']}`],
    ['numpy', 'testing._private.utils.runstring', 'unsafe', `its attribute walk reaches unsafe module numpy.testing (${UNSAFE_MODULES['numpy.testing']})`],
    ['torch', 'hub.load', 'unsafe', `its attribute walk reaches unsafe module torch.hub (${UNSAFE_MODULES['torch.hub']})`],
    ['torch._utils', '_rebuild_tensor_v2.__globals__', 'unsafe', 'its attribute walk goes through __globals__, the classic route to builtins and os'],
    ['collections', '__init__.x', 'unsafe', 'its attribute walk goes through __init__, the classic route to builtins and os'],
    ['collections', 'abc.sys.modules', 'unsafe', `its attribute walk reaches sys.modules through collections.abc.sys (an alias of unsafe module sys: ${SYS})`],
    ['random', '_os.posix_spawnp', 'unsafe', `its attribute walk reaches os.posix_spawnp through random._os (an alias of unsafe module os: ${OS})`],
    ['random', '_os.path.join', 'unsafe', `its attribute walk reaches os.path.join through random._os (an alias of unsafe module os: ${OS})`],
    ['shutil', 'x._os', 'unsafe', `unsafe module shutil (${UNSAFE_MODULES.shutil})`],
    ['json', 'x._os', 'unsafe', `its attribute walk reaches os through json.x._os (an alias of unsafe module os: ${OS})`],
    ['json', 'a.b.__os.c', 'unsafe', `its attribute walk reaches os.c through json.a.b.__os (an alias of unsafe module os: ${OS})`],
    ['json', 'x._posixsubprocess.fork_exec', 'unsafe', `its attribute walk reaches _posixsubprocess.fork_exec through json.x._posixsubprocess (an alias of unsafe module _posixsubprocess: ${UNSAFE_MODULES._posixsubprocess})`],
    ['mymod', 'Foo.system', 'unsafe', 'its attribute walk reaches system'],
    ['mymod', 'Foo.run.x', 'unsafe', 'its attribute walk reaches run'],
    ['collections', 'OrderedDict.fromkeys', 'warning', DOTTED],
    // A module path's own steps are submodules, never aliases: "mylib._os" is a module of that name.
    ['mylib._os', 'Foo.bar', 'warning', DOTTED],
    ['mylib.system', 'Foo.bar', 'warning', DOTTED],
    ['mylib.__init__', 'Foo.bar', 'warning', DOTTED],
    // Steps that only look like the patterns.
    ['mymod', 'x__y__.z', 'warning', DOTTED],
    ['mymod', '__x.z', 'warning', DOTTED],
    ['mymod', '__a__b.z', 'warning', DOTTED],
    ['mymod', 'x.____', 'unsafe', 'its attribute walk goes through ____, the classic route to builtins and os'],
    ['mymod', 'x.os_', 'warning', DOTTED],
    ['mymod', 'x.systems', 'warning', DOTTED],
    // A plain name that is an unsafe module kept as an attribute.
    ['tempfile', '_os', 'unsafe', `tempfile._os is an alias of unsafe module os (${OS})`],
    ['tempfile', '__os', 'unsafe', `tempfile.__os is an alias of unsafe module os (${OS})`],
    ['mymod', 'sys', 'unsafe', `mymod.sys is an alias of unsafe module sys (${SYS})`],
    ['mymod', '_posixsubprocess', 'unsafe', `mymod._posixsubprocess is an alias of unsafe module _posixsubprocess (${UNSAFE_MODULES._posixsubprocess})`],
    ['mymod', 'os_', 'warning', NOT_LISTED],
    ['mymod', 'my_os', 'warning', NOT_LISTED],
    ['mymod', 'o_s', 'warning', NOT_LISTED],
    // Caution, allow-list, dangerous names anywhere, __main__, the rest.
    ['functools', 'reduce', 'warning', CAUTION_GLOBALS['functools.reduce']],
    ['torch.storage', '_load_from_bytes', 'warning', CAUTION_GLOBALS['torch.storage._load_from_bytes']],
    ['collections', 'OrderedDict', 'safe', 'on the allow-list'],
    ['torch', 'FloatStorage', 'safe', 'on the allow-list'],
    ['torch.nn.modules.conv', 'Conv2d', 'safe', 'on the allow-list'],
    ['numpy.dtypes', 'Int64DType', 'safe', 'on the allow-list'],
    ['torch', 'Foo', 'warning', NOT_LISTED], // a pattern's module, not its name
    ['torch', 'FloatStorageX', 'warning', NOT_LISTED],
    ['torch.nn.modules.conv', 'conv2d', 'warning', NOT_LISTED],
    ['torch.nn.modules', 'Linear', 'warning', NOT_LISTED],
    ['mytorch', 'FloatStorage', 'warning', NOT_LISTED],
    ['numpy.dtypes', 'Int64Dtype', 'warning', NOT_LISTED],
    ['mymodule', 'system', 'unsafe', 'a function named system: in the modules that define one, it runs commands or code or loads a nested pickle'],
    ['__main__', 'load', 'unsafe', 'a function named load: in the modules that define one, it runs commands or code or loads a nested pickle'],
    ['__main__', 'Net', 'warning', 'defined by the script that saved the file, which loading needs and runs'],
    ['__main__.sub', 'Net', 'warning', NOT_LISTED],
    ['sklearn.tree._classes', 'DecisionTreeClassifier', 'warning', NOT_LISTED],
    // Own-property lookups only.
    ['constructor', 'constructor', 'warning', NOT_LISTED],
    ['toString', 'valueOf', 'warning', NOT_LISTED],
    ['hasOwnProperty', 'x.__proto__', 'unsafe', 'its attribute walk goes through __proto__, the classic route to builtins and os'],
  ] as const)('%s.%s is %s: %s', (module, name, verdict, reason) => {
    expect(classifyGlobal(module, name)).toStrictEqual({ verdict, reason });
  });
});

describe('Python 2 names, judged as Python 3 loads them too', () => {
  it.each([
    // Mapped name: the worse of the two verdicts; on a tie the original name's.
    ['__builtin__', 'xrange', 'safe', 'on the allow-list'],
    ['__builtin__', 'intern', 'unsafe', `unsafe module sys (${SYS})`],
    ['__builtin__', 'raw_input', 'unsafe', UNSAFE_GLOBALS['builtins.input']],
    ['__builtin__', 'reduce', 'warning', NOT_LISTED],
    ['itertools', 'imap', 'warning', NOT_LISTED],
    ['__builtin__', 'unicode', 'safe', 'on the allow-list'],
    ['__builtin__', 'long', 'safe', 'on the allow-list'],
    // Mapped module (no mapped name).
    ['__builtin__', 'eval', 'unsafe', 'a function named eval: in the modules that define one, it runs commands or code or loads a nested pickle'], // a tie: the original name's reason
    ['__builtin__', 'set', 'safe', 'on the allow-list'],
    ['__builtin__', 'bytes', 'warning', NOT_LISTED], // builtins.bytes is allowed, __builtin__.bytes is not
    ['__builtin__', 'compile', 'unsafe', 'a function named compile: in the modules that define one, it runs commands or code or loads a nested pickle'],
    ['__builtin__', 'open', 'unsafe', 'a function named open: in the modules that define one, it runs commands or code or loads a nested pickle'],
    ['__builtin__', 'help', 'warning', NOT_LISTED],
    ['__builtin__', 'delattr', 'unsafe', 'a function named delattr: in the modules that define one, it runs commands or code or loads a nested pickle'],
    ['__builtin__', 'input', 'unsafe', UNSAFE_GLOBALS['builtins.input']],
    ['exceptions', 'map', 'warning', NOT_LISTED],
    ['urlparse', 'x', 'unsafe', `unsafe module urllib (${UNSAFE_MODULES.urllib})`],
    ['copy_reg', '_reconstructor', 'safe', 'on the allow-list'],
    ['copy_reg', '__newobj__', 'warning', NOT_LISTED],
    ['cPickle', 'loads', 'unsafe', `unsafe module cPickle (${UNSAFE_MODULES.cPickle})`],
    ['UserDict', 'OrderedDict', 'warning', NOT_LISTED],
    ['thread', 'x', 'warning', NOT_LISTED],
    ['builtins', 'xrange', 'warning', NOT_LISTED], // Python 3 has no mapping for it
  ] as const)('%s.%s is %s: %s', (module, name, verdict, reason) => {
    expect(classifyGlobal(module, name)).toStrictEqual({ verdict, reason });
  });
});
