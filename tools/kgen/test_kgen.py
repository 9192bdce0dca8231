#!/usr/bin/env python3
"""Tests of kgen's spec validation: python3 -m unittest discover -s tools/kgen"""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kgen  # noqa: E402

GOOD = """\
api 99 Sample
versions 0-3
flexible 2+

request SampleRequest
  name: string
  ids: []int32  versions=1+
  item: Item  nullable=2+ default=null
    value: int64  default=-1
  note: string  nullable=0+ tag=0 tagged=2+ default=null

response SampleResponse
  struct Shared
    id: int32
  first: []Shared
  second: []Shared  versions=3+
"""


class KgenValidation(unittest.TestCase):
    def run_spec(self, text, name="99_sample.kspec"):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(text)
            api = kgen.parse_spec(path)
            kgen.validate(api)
            return api

    def expect_error(self, text, fragment, line=None):
        with self.assertRaises(kgen.SpecError) as ctx:
            self.run_spec(text)
        self.assertIn(fragment, str(ctx.exception))
        if line is not None:
            self.assertIn(f"99_sample.kspec:{line}:", str(ctx.exception))

    def test_good_spec(self):
        api = self.run_spec(GOOD)
        self.assertEqual((api.versions.lo, api.versions.hi, api.flexible.lo), (0, 3, 2))
        request = api.messages[0]
        self.assertEqual([s.name for s in request.structs], ["Item"])

    def test_unknown_type(self):
        self.expect_error(GOOD.replace("ids: []int32", "ids: []int33"), "unknown type", 7)

    def test_overlapping_tags(self):
        text = GOOD.replace("  note: string", "  other: int32  tag=0 tagged=2+\n  note: string")
        self.expect_error(text, "tag 0 already used")

    def test_versions_outside_served_range(self):
        self.expect_error(GOOD.replace("versions=1+", "versions=1-5"), "outside the served range", 7)
        self.expect_error(GOOD.replace("versions=1+", "versions=4+"), "after the highest", 7)

    def test_nullable_on_non_nullable_type(self):
        self.expect_error(GOOD.replace("value: int64", "value: int64  nullable=2+"),
                          "cannot be nullable", 9)

    def test_tagged_outside_flexible(self):
        self.expect_error(GOOD.replace("tagged=2+", "tagged=1+"), "flexible versions", 10)

    def test_null_default_needs_nullable(self):
        self.expect_error(GOOD.replace("name: string", "name: string  default=null"),
                          "never nullable", 6)

    def test_unused_common_struct(self):
        self.expect_error(GOOD + "  struct Unused\n    x: int8\n", "never used")

    def test_struct_without_definition(self):
        self.expect_error(GOOD.replace("  first: []Shared", "  first: []Missing"), "unknown type")

    def test_bad_indentation(self):
        self.expect_error(GOOD.replace("    value: int64", "   value: int64"), "multiple of two")


if __name__ == "__main__":
    unittest.main()
