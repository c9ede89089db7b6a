#!/usr/bin/env python3
"""Extracts the C++ snippets of the documentation so ctest compiles them.

Every ```cpp block of README.md and docs/*.md becomes one translation unit.
An HTML comment right before the block (invisible on a rendered page) may
give the context that makes a fragment compile:

    <!-- snippet
    #include <tollgate/stripe/webhook.hpp>
    void on_webhook(std::string_view raw_body) {
    @@
    }
    -->

Its lines before "@@" are put before the block (after the block's own
leading #include lines), those after it after the block. A unit with `int main` is linked and run by ctest; each
`// Output: TEXT` line in it is a text the run must print.

    extract_snippets.py SOURCE_ROOT OUT_DIR   -> writes OUT_DIR/*.cpp and OUT_DIR/snippets.cmake
"""
import pathlib
import re
import sys

root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
docs = [root / "README.md"] + sorted((root / "docs").glob("*.md"))
manifest = []
written = set()


for doc in docs:
    lines = doc.read_text().split("\n")
    relative = doc.relative_to(root).as_posix()
    i, count = 0, 0
    while i < len(lines):
        if lines[i].strip() != "```cpp":
            i += 1
            continue
        start = i + 1
        end = start
        while lines[end].strip() != "```":
            end += 1
        before, after = [], []
        # The context comment ends on the line just before the fence.
        if i > 0 and lines[i - 1].strip() == "-->":
            j = i - 1
            while not lines[j].startswith("<!-- snippet"):
                j -= 1
            context = lines[j + 1 : i - 1]
            cut = context.index("@@") if "@@" in context else len(context)
            before, after = context[:cut], context[cut + 1 :]
        count += 1
        name = f"{doc.stem.replace('-', '_').lower()}_{count}"
        body = lines[start:end]
        # The block's own leading #include lines go first, so a context can wrap the rest in a function.
        head = 0
        while before and head < len(body) and (body[head].startswith("#include") or not body[head].strip()):
            head += 1
        unit = ([f'#line {start + 1} "{relative}"'] + body[:head] + before +
                [f'#line {start + 1 + head} "{relative}"'] + body[head:] + after)
        source = out / f"{name}.cpp"
        text = "\n".join(unit) + "\n"
        if not source.exists() or source.read_text() != text:  # keep the build incremental
            source.write_text(text)
        written.add(source.name)
        runs = any(re.match(r"\s*int main\(", line) for line in unit)
        outputs = [m.group(1) for line in body if (m := re.search(r"// Output: (.*)$", line))]
        manifest.append(f"tollgate_doc_snippet({name} {'RUN' if runs else 'COMPILE'} "
                        f"[==[{relative}:{start}]==]"
                        + "".join(f" [==[{o.strip()}]==]" for o in outputs) + ")")
        i = end + 1

for stale in out.glob("*.cpp"):
    if stale.name not in written:
        stale.unlink()
(out / "snippets.cmake").write_text("\n".join(manifest) + "\n")
