/* test_history.c - `alembic history` text, plain, verbose and ranged, compared byte for
 * byte with output captured from Alembic 1.8.1 on projects written by
 * tests/conformance/gen.py, its files loaded in the order the Specs list them (Alembic's
 * map order). Alembic prints "Branches into:" from a Python set, in an order that changes
 * between runs; those lines are in map order here, which is the order retort prints. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/mem.h"

#include "graph_fixtures.h"
#include "server/alembic/history.h"

static const Spec MERGE2[] = {
    {"d0000000000a", "", "", "",
     "root\n\nRevision ID: d0000000000a\nRevises: \nCreate Date: 2024-01-01 10:00:00.000000",
     "/p/merge2/migrations/versions/d0000000000a_root.py"},
    {"d0000000000b", "d0000000000a", "", "",
     "feature x\n\nRevision ID: d0000000000b\nRevises: d0000000000a\nCreate Date: 2024-01-02 10:00:00.000000",
     "/p/merge2/migrations/versions/d0000000000b_feature_x.py"},
    {"d0000000000c", "d0000000000a", "", "",
     "feature y\n\nRevision ID: d0000000000c\nRevises: d0000000000a\nCreate Date: 2024-01-03 10:00:00.000000",
     "/p/merge2/migrations/versions/d0000000000c_feature_y.py"},
    {"d0000000000d", "d0000000000b", "", "",
     "feature x part 2\n\nRevision ID: d0000000000d\nRevises: d0000000000b\nCreate Date: 2024-01-04 10:00:00.000000",
     "/p/merge2/migrations/versions/d0000000000d_feature_x_part_2.py"},
    {"d0000000000e", "d0000000000d,d0000000000c", "", "",
     "merge x and y\n\nRevision ID: d0000000000e\nRevises: d0000000000d, d0000000000c\nCreate Date: 2024-01-05 10:00:00.000000",
     "/p/merge2/migrations/versions/d0000000000e_merge_x_and_y.py"},
    {"d0000000000f", "d0000000000e", "", "",
     "after merge\n\nRevision ID: d0000000000f\nRevises: d0000000000e\nCreate Date: 2024-01-06 10:00:00.000000",
     "/p/merge2/migrations/versions/d0000000000f_after_merge.py"},
    {0}};
/* alembic history */
static const char MERGE2_plain[] =
    "d0000000000e -> d0000000000f (head), after merge\n"
    "d0000000000d, d0000000000c -> d0000000000e (mergepoint), merge x and y\n"
    "d0000000000b -> d0000000000d, feature x part 2\n"
    "d0000000000a -> d0000000000b, feature x\n"
    "d0000000000a -> d0000000000c, feature y\n"
    "<base> -> d0000000000a (branchpoint), root\n"
    ;
/* alembic history --verbose */
static const char MERGE2_verbose[] =
    "Rev: d0000000000f (head)\n"
    "Parent: d0000000000e\n"
    "Path: /p/merge2/migrations/versions/d0000000000f_after_merge.py\n"
    "\n"
    "    after merge\n"
    "    \n"
    "    Revision ID: d0000000000f\n"
    "    Revises: d0000000000e\n"
    "    Create Date: 2024-01-06 10:00:00.000000\n"
    "\n"
    "Rev: d0000000000e (mergepoint)\n"
    "Merges: d0000000000d, d0000000000c\n"
    "Path: /p/merge2/migrations/versions/d0000000000e_merge_x_and_y.py\n"
    "\n"
    "    merge x and y\n"
    "    \n"
    "    Revision ID: d0000000000e\n"
    "    Revises: d0000000000d, d0000000000c\n"
    "    Create Date: 2024-01-05 10:00:00.000000\n"
    "\n"
    "Rev: d0000000000d\n"
    "Parent: d0000000000b\n"
    "Path: /p/merge2/migrations/versions/d0000000000d_feature_x_part_2.py\n"
    "\n"
    "    feature x part 2\n"
    "    \n"
    "    Revision ID: d0000000000d\n"
    "    Revises: d0000000000b\n"
    "    Create Date: 2024-01-04 10:00:00.000000\n"
    "\n"
    "Rev: d0000000000b\n"
    "Parent: d0000000000a\n"
    "Path: /p/merge2/migrations/versions/d0000000000b_feature_x.py\n"
    "\n"
    "    feature x\n"
    "    \n"
    "    Revision ID: d0000000000b\n"
    "    Revises: d0000000000a\n"
    "    Create Date: 2024-01-02 10:00:00.000000\n"
    "\n"
    "Rev: d0000000000c\n"
    "Parent: d0000000000a\n"
    "Path: /p/merge2/migrations/versions/d0000000000c_feature_y.py\n"
    "\n"
    "    feature y\n"
    "    \n"
    "    Revision ID: d0000000000c\n"
    "    Revises: d0000000000a\n"
    "    Create Date: 2024-01-03 10:00:00.000000\n"
    "\n"
    "Rev: d0000000000a (branchpoint)\n"
    "Parent: <base>\n"
    "Branches into: d0000000000b, d0000000000c\n"
    "Path: /p/merge2/migrations/versions/d0000000000a_root.py\n"
    "\n"
    "    root\n"
    "    \n"
    "    Revision ID: d0000000000a\n"
    "    Revises: \n"
    "    Create Date: 2024-01-01 10:00:00.000000\n"
    "\n"
    ;
/* alembic history --rev-range=d0000000000c:d0000000000f */
static const char MERGE2_r0[] =
    "d0000000000e -> d0000000000f (head), after merge\n"
    "d0000000000d, d0000000000c -> d0000000000e (mergepoint), merge x and y\n"
    "d0000000000a -> d0000000000c, feature y\n"
    ;
static const Spec DEPENDS[] = {
    {"f0000001", "", "networking", "",
     "networking root\n\nRevision ID: f0000001\nRevises: \nCreate Date: 2024-01-01 10:00:00.000000",
     "/p/depends/migrations/versions/f0000001_networking_root.py"},
    {"f0000002", "f0000001", "", "",
     "add routers\n\nRevision ID: f0000002\nRevises: f0000001\nCreate Date: 2024-01-02 10:00:00.000000",
     "/p/depends/migrations/versions/f0000002_add_routers.py"},
    {"f0000003", "f0000002", "", "",
     "add switches\n\nRevision ID: f0000003\nRevises: f0000002\nCreate Date: 2024-01-06 10:00:00.000000",
     "/p/depends/migrations/versions/f0000003_add_switches.py"},
    {"f1000001", "", "shopping", "",
     "shopping root\n\nRevision ID: f1000001\nRevises: \nCreate Date: 2024-01-03 10:00:00.000000",
     "/p/depends/migrations/versions/f1000001_shopping_root.py"},
    {"f1000002", "f1000001", "", "f0000002",
     "orders need routers\n\nRevision ID: f1000002\nRevises: f1000001\nCreate Date: 2024-01-04 10:00:00.000000",
     "/p/depends/migrations/versions/f1000002_orders_need_routers.py"},
    {"f1000003", "f1000002", "", "",
     "more shopping\n\nRevision ID: f1000003\nRevises: f1000002\nCreate Date: 2024-01-05 10:00:00.000000",
     "/p/depends/migrations/versions/f1000003_more_shopping.py"},
    {"f2000001", "", "", "networking",
     "audit depends on a label\n\nRevision ID: f2000001\nRevises: \nCreate Date: 2024-01-07 10:00:00.000000",
     "/p/depends/migrations/versions/f2000001_audit_depends_on_a_label.py"},
    {0}};
/* alembic history */
static const char DEPENDS_plain[] =
    "f0000002 -> f0000003 (networking) (head), add switches\n"
    "f1000002 -> f1000003 (shopping) (head), more shopping\n"
    "f1000001 (f0000002) -> f1000002 (shopping), orders need routers\n"
    "<base> -> f1000001 (shopping), shopping root\n"
    "f0000001 -> f0000002 (networking), add routers\n"
    "<base> (networking) -> f2000001 (head), audit depends on a label\n"
    "<base> -> f0000001 (networking), networking root\n"
    ;
/* alembic history --verbose */
static const char DEPENDS_verbose[] =
    "Rev: f0000003 (head)\n"
    "Parent: f0000002\n"
    "Branch names: networking\n"
    "Path: /p/depends/migrations/versions/f0000003_add_switches.py\n"
    "\n"
    "    add switches\n"
    "    \n"
    "    Revision ID: f0000003\n"
    "    Revises: f0000002\n"
    "    Create Date: 2024-01-06 10:00:00.000000\n"
    "\n"
    "Rev: f1000003 (head)\n"
    "Parent: f1000002\n"
    "Branch names: shopping\n"
    "Path: /p/depends/migrations/versions/f1000003_more_shopping.py\n"
    "\n"
    "    more shopping\n"
    "    \n"
    "    Revision ID: f1000003\n"
    "    Revises: f1000002\n"
    "    Create Date: 2024-01-05 10:00:00.000000\n"
    "\n"
    "Rev: f1000002\n"
    "Parent: f1000001\n"
    "Also depends on: f0000002\n"
    "Branch names: shopping\n"
    "Path: /p/depends/migrations/versions/f1000002_orders_need_routers.py\n"
    "\n"
    "    orders need routers\n"
    "    \n"
    "    Revision ID: f1000002\n"
    "    Revises: f1000001\n"
    "    Create Date: 2024-01-04 10:00:00.000000\n"
    "\n"
    "Rev: f1000001\n"
    "Parent: <base>\n"
    "Branch names: shopping\n"
    "Path: /p/depends/migrations/versions/f1000001_shopping_root.py\n"
    "\n"
    "    shopping root\n"
    "    \n"
    "    Revision ID: f1000001\n"
    "    Revises: \n"
    "    Create Date: 2024-01-03 10:00:00.000000\n"
    "\n"
    "Rev: f0000002\n"
    "Parent: f0000001\n"
    "Branch names: networking\n"
    "Path: /p/depends/migrations/versions/f0000002_add_routers.py\n"
    "\n"
    "    add routers\n"
    "    \n"
    "    Revision ID: f0000002\n"
    "    Revises: f0000001\n"
    "    Create Date: 2024-01-02 10:00:00.000000\n"
    "\n"
    "Rev: f2000001 (head)\n"
    "Parent: <base>\n"
    "Also depends on: networking\n"
    "Path: /p/depends/migrations/versions/f2000001_audit_depends_on_a_label.py\n"
    "\n"
    "    audit depends on a label\n"
    "    \n"
    "    Revision ID: f2000001\n"
    "    Revises: \n"
    "    Create Date: 2024-01-07 10:00:00.000000\n"
    "\n"
    "Rev: f0000001\n"
    "Parent: <base>\n"
    "Branch names: networking\n"
    "Path: /p/depends/migrations/versions/f0000001_networking_root.py\n"
    "\n"
    "    networking root\n"
    "    \n"
    "    Revision ID: f0000001\n"
    "    Revises: \n"
    "    Create Date: 2024-01-01 10:00:00.000000\n"
    "\n"
    ;
/* alembic history --rev-range=shopping@base:shopping@head */
static const char DEPENDS_r0[] =
    "f1000002 -> f1000003 (shopping) (head), more shopping\n"
    "f1000001 (f0000002) -> f1000002 (shopping), orders need routers\n"
    "<base> -> f1000001 (shopping), shopping root\n"
    "f0000001 -> f0000002 (networking), add routers\n"
    "<base> -> f0000001 (networking), networking root\n"
    ;
static const Spec EFFECTIVE[] = {
    {"a1b2c3d4", "", "", "",
     "base\n\nRevision ID: a1b2c3d4\nRevises: \nCreate Date: 2024-01-01 10:00:00.000000",
     "/p/effective/migrations/versions/a1b2c3d4_base.py"},
    {"b2c3d4e5", "a1b2c3d4", "", "",
     "lib\n\nRevision ID: b2c3d4e5\nRevises: a1b2c3d4\nCreate Date: 2024-01-02 10:00:00.000000",
     "/p/effective/migrations/versions/b2c3d4e5_lib.py"},
    {"c3d4e5f6", "a1b2c3d4", "", "b2c3d4e5",
     "app uses lib\n\nRevision ID: c3d4e5f6\nRevises: a1b2c3d4\nCreate Date: 2024-01-03 10:00:00.000000",
     "/p/effective/migrations/versions/c3d4e5f6_app_uses_lib.py"},
    {0}};
/* alembic history */
static const char EFFECTIVE_plain[] =
    "a1b2c3d4 (b2c3d4e5) -> c3d4e5f6 (head), app uses lib\n"
    "a1b2c3d4 -> b2c3d4e5 (effective head), lib\n"
    "<base> -> a1b2c3d4 (branchpoint), base\n"
    ;
/* alembic history --verbose */
static const char EFFECTIVE_verbose[] =
    "Rev: c3d4e5f6 (head)\n"
    "Parent: a1b2c3d4\n"
    "Also depends on: b2c3d4e5\n"
    "Path: /p/effective/migrations/versions/c3d4e5f6_app_uses_lib.py\n"
    "\n"
    "    app uses lib\n"
    "    \n"
    "    Revision ID: c3d4e5f6\n"
    "    Revises: a1b2c3d4\n"
    "    Create Date: 2024-01-03 10:00:00.000000\n"
    "\n"
    "Rev: b2c3d4e5 (head)\n"
    "Parent: a1b2c3d4\n"
    "Path: /p/effective/migrations/versions/b2c3d4e5_lib.py\n"
    "\n"
    "    lib\n"
    "    \n"
    "    Revision ID: b2c3d4e5\n"
    "    Revises: a1b2c3d4\n"
    "    Create Date: 2024-01-02 10:00:00.000000\n"
    "\n"
    "Rev: a1b2c3d4 (branchpoint)\n"
    "Parent: <base>\n"
    "Branches into: b2c3d4e5, c3d4e5f6\n"
    "Path: /p/effective/migrations/versions/a1b2c3d4_base.py\n"
    "\n"
    "    base\n"
    "    \n"
    "    Revision ID: a1b2c3d4\n"
    "    Revises: \n"
    "    Create Date: 2024-01-01 10:00:00.000000\n"
    "\n"
    ;
static const Spec LABELS[] = {
    {"aa11aa11", "", "", "",
     "root\n\nRevision ID: aa11aa11\nRevises: \nCreate Date: 2024-01-01 10:00:00.000000",
     "/p/labels/migrations/versions/aa11aa11_root.py"},
    {"ab77ab77", "ff66ff66", "reports", "",
     "reports label\n\nRevision ID: ab77ab77\nRevises: ff66ff66\nCreate Date: 2024-01-07 10:00:00.000000",
     "/p/labels/migrations/versions/ab77ab77_reports_label.py"},
    {"bb22bb22", "aa11aa11", "", "",
     "trunk\n\nRevision ID: bb22bb22\nRevises: aa11aa11\nCreate Date: 2024-01-02 10:00:00.000000",
     "/p/labels/migrations/versions/bb22bb22_trunk.py"},
    {"cc33cc33", "bb22bb22", "", "",
     "billing start\n\nRevision ID: cc33cc33\nRevises: bb22bb22\nCreate Date: 2024-01-03 10:00:00.000000",
     "/p/labels/migrations/versions/cc33cc33_billing_start.py"},
    {"dd44dd44", "cc33cc33", "billing", "",
     "billing label here\n\nRevision ID: dd44dd44\nRevises: cc33cc33\nCreate Date: 2024-01-04 10:00:00.000000",
     "/p/labels/migrations/versions/dd44dd44_billing_label_here.py"},
    {"ee55ee55", "dd44dd44", "", "",
     "billing more\n\nRevision ID: ee55ee55\nRevises: dd44dd44\nCreate Date: 2024-01-05 10:00:00.000000",
     "/p/labels/migrations/versions/ee55ee55_billing_more.py"},
    {"ff66ff66", "bb22bb22", "", "",
     "reports start\n\nRevision ID: ff66ff66\nRevises: bb22bb22\nCreate Date: 2024-01-06 10:00:00.000000",
     "/p/labels/migrations/versions/ff66ff66_reports_start.py"},
    {0}};
/* alembic history */
static const char LABELS_plain[] =
    "ff66ff66 -> ab77ab77 (reports) (head), reports label\n"
    "bb22bb22 -> ff66ff66 (reports), reports start\n"
    "dd44dd44 -> ee55ee55 (billing) (head), billing more\n"
    "cc33cc33 -> dd44dd44 (billing), billing label here\n"
    "bb22bb22 -> cc33cc33 (billing), billing start\n"
    "aa11aa11 -> bb22bb22 (branchpoint), trunk\n"
    "<base> -> aa11aa11, root\n"
    ;
/* alembic history --verbose */
static const char LABELS_verbose[] =
    "Rev: ab77ab77 (head)\n"
    "Parent: ff66ff66\n"
    "Branch names: reports\n"
    "Path: /p/labels/migrations/versions/ab77ab77_reports_label.py\n"
    "\n"
    "    reports label\n"
    "    \n"
    "    Revision ID: ab77ab77\n"
    "    Revises: ff66ff66\n"
    "    Create Date: 2024-01-07 10:00:00.000000\n"
    "\n"
    "Rev: ff66ff66\n"
    "Parent: bb22bb22\n"
    "Branch names: reports\n"
    "Path: /p/labels/migrations/versions/ff66ff66_reports_start.py\n"
    "\n"
    "    reports start\n"
    "    \n"
    "    Revision ID: ff66ff66\n"
    "    Revises: bb22bb22\n"
    "    Create Date: 2024-01-06 10:00:00.000000\n"
    "\n"
    "Rev: ee55ee55 (head)\n"
    "Parent: dd44dd44\n"
    "Branch names: billing\n"
    "Path: /p/labels/migrations/versions/ee55ee55_billing_more.py\n"
    "\n"
    "    billing more\n"
    "    \n"
    "    Revision ID: ee55ee55\n"
    "    Revises: dd44dd44\n"
    "    Create Date: 2024-01-05 10:00:00.000000\n"
    "\n"
    "Rev: dd44dd44\n"
    "Parent: cc33cc33\n"
    "Branch names: billing\n"
    "Path: /p/labels/migrations/versions/dd44dd44_billing_label_here.py\n"
    "\n"
    "    billing label here\n"
    "    \n"
    "    Revision ID: dd44dd44\n"
    "    Revises: cc33cc33\n"
    "    Create Date: 2024-01-04 10:00:00.000000\n"
    "\n"
    "Rev: cc33cc33\n"
    "Parent: bb22bb22\n"
    "Branch names: billing\n"
    "Path: /p/labels/migrations/versions/cc33cc33_billing_start.py\n"
    "\n"
    "    billing start\n"
    "    \n"
    "    Revision ID: cc33cc33\n"
    "    Revises: bb22bb22\n"
    "    Create Date: 2024-01-03 10:00:00.000000\n"
    "\n"
    "Rev: bb22bb22 (branchpoint)\n"
    "Parent: aa11aa11\n"
    "Branches into: cc33cc33, ff66ff66\n"
    "Path: /p/labels/migrations/versions/bb22bb22_trunk.py\n"
    "\n"
    "    trunk\n"
    "    \n"
    "    Revision ID: bb22bb22\n"
    "    Revises: aa11aa11\n"
    "    Create Date: 2024-01-02 10:00:00.000000\n"
    "\n"
    "Rev: aa11aa11\n"
    "Parent: <base>\n"
    "Path: /p/labels/migrations/versions/aa11aa11_root.py\n"
    "\n"
    "    root\n"
    "    \n"
    "    Revision ID: aa11aa11\n"
    "    Revises: \n"
    "    Create Date: 2024-01-01 10:00:00.000000\n"
    "\n"
    ;
/* alembic history --rev-range=billing@base:billing@head */
static const char LABELS_r0[] =
    "dd44dd44 -> ee55ee55 (billing) (head), billing more\n"
    "cc33cc33 -> dd44dd44 (billing), billing label here\n"
    "bb22bb22 -> cc33cc33 (billing), billing start\n"
    "aa11aa11 -> bb22bb22 (branchpoint), trunk\n"
    "<base> -> aa11aa11, root\n"
    ;
/* alembic history --rev-range=bb22bb22: */
static const char LABELS_r1[] =
    "ff66ff66 -> ab77ab77 (reports) (head), reports label\n"
    "bb22bb22 -> ff66ff66 (reports), reports start\n"
    "dd44dd44 -> ee55ee55 (billing) (head), billing more\n"
    "cc33cc33 -> dd44dd44 (billing), billing label here\n"
    "bb22bb22 -> cc33cc33 (billing), billing start\n"
    "aa11aa11 -> bb22bb22 (branchpoint), trunk\n"
    ;
static const Spec MERGE3[] = {
    {"e1", "", "", "",
     "root of three\n\nRevision ID: e1\nRevises: \nCreate Date: 2024-01-01 10:00:00.000000",
     "/p/merge3/migrations/versions/e1_root_of_three.py"},
    {"e2aa", "e1", "", "",
     "first\n\nRevision ID: e2aa\nRevises: e1\nCreate Date: 2024-01-02 10:00:00.000000",
     "/p/merge3/migrations/versions/e2aa_first.py"},
    {"e3bb", "e1", "", "",
     "second\n\nRevision ID: e3bb\nRevises: e1\nCreate Date: 2024-01-03 10:00:00.000000",
     "/p/merge3/migrations/versions/e3bb_second.py"},
    {"e4cc", "e1", "", "",
     "third\n\nRevision ID: e4cc\nRevises: e1\nCreate Date: 2024-01-04 10:00:00.000000",
     "/p/merge3/migrations/versions/e4cc_third.py"},
    {"e5dd", "e3bb", "", "",
     "second continued\n\nRevision ID: e5dd\nRevises: e3bb\nCreate Date: 2024-01-05 10:00:00.000000",
     "/p/merge3/migrations/versions/e5dd_second_continued.py"},
    {"e6ee", "e2aa,e5dd,e4cc", "", "",
     "merge all three\n\nRevision ID: e6ee\nRevises: e2aa, e5dd, e4cc\nCreate Date: 2024-01-06 10:00:00.000000",
     "/p/merge3/migrations/versions/e6ee_merge_all_three.py"},
    {"e7ff", "e6ee", "", "",
     "top\n\nRevision ID: e7ff\nRevises: e6ee\nCreate Date: 2024-01-07 10:00:00.000000",
     "/p/merge3/migrations/versions/e7ff_top.py"},
    {0}};
/* alembic history */
static const char MERGE3_plain[] =
    "e6ee -> e7ff (head), top\n"
    "e2aa, e5dd, e4cc -> e6ee (mergepoint), merge all three\n"
    "e1 -> e2aa, first\n"
    "e3bb -> e5dd, second continued\n"
    "e1 -> e3bb, second\n"
    "e1 -> e4cc, third\n"
    "<base> -> e1 (branchpoint), root of three\n"
    ;
/* alembic history --verbose */
static const char MERGE3_verbose[] =
    "Rev: e7ff (head)\n"
    "Parent: e6ee\n"
    "Path: /p/merge3/migrations/versions/e7ff_top.py\n"
    "\n"
    "    top\n"
    "    \n"
    "    Revision ID: e7ff\n"
    "    Revises: e6ee\n"
    "    Create Date: 2024-01-07 10:00:00.000000\n"
    "\n"
    "Rev: e6ee (mergepoint)\n"
    "Merges: e2aa, e5dd, e4cc\n"
    "Path: /p/merge3/migrations/versions/e6ee_merge_all_three.py\n"
    "\n"
    "    merge all three\n"
    "    \n"
    "    Revision ID: e6ee\n"
    "    Revises: e2aa, e5dd, e4cc\n"
    "    Create Date: 2024-01-06 10:00:00.000000\n"
    "\n"
    "Rev: e2aa\n"
    "Parent: e1\n"
    "Path: /p/merge3/migrations/versions/e2aa_first.py\n"
    "\n"
    "    first\n"
    "    \n"
    "    Revision ID: e2aa\n"
    "    Revises: e1\n"
    "    Create Date: 2024-01-02 10:00:00.000000\n"
    "\n"
    "Rev: e5dd\n"
    "Parent: e3bb\n"
    "Path: /p/merge3/migrations/versions/e5dd_second_continued.py\n"
    "\n"
    "    second continued\n"
    "    \n"
    "    Revision ID: e5dd\n"
    "    Revises: e3bb\n"
    "    Create Date: 2024-01-05 10:00:00.000000\n"
    "\n"
    "Rev: e3bb\n"
    "Parent: e1\n"
    "Path: /p/merge3/migrations/versions/e3bb_second.py\n"
    "\n"
    "    second\n"
    "    \n"
    "    Revision ID: e3bb\n"
    "    Revises: e1\n"
    "    Create Date: 2024-01-03 10:00:00.000000\n"
    "\n"
    "Rev: e4cc\n"
    "Parent: e1\n"
    "Path: /p/merge3/migrations/versions/e4cc_third.py\n"
    "\n"
    "    third\n"
    "    \n"
    "    Revision ID: e4cc\n"
    "    Revises: e1\n"
    "    Create Date: 2024-01-04 10:00:00.000000\n"
    "\n"
    "Rev: e1 (branchpoint)\n"
    "Parent: <base>\n"
    "Branches into: e2aa, e3bb, e4cc\n"
    "Path: /p/merge3/migrations/versions/e1_root_of_three.py\n"
    "\n"
    "    root of three\n"
    "    \n"
    "    Revision ID: e1\n"
    "    Revises: \n"
    "    Create Date: 2024-01-01 10:00:00.000000\n"
    "\n"
    ;
/* alembic history --rev-range=e3bb:e7ff */
static const char MERGE3_r0[] =
    "e6ee -> e7ff (head), top\n"
    "e2aa, e5dd, e4cc -> e6ee (mergepoint), merge all three\n"
    "e3bb -> e5dd, second continued\n"
    "e1 -> e3bb, second\n"
    ;

/* Builds the graph of `specs`, runs graph_history(range) and formats it. */
static char *history_of(const Spec *specs, const char *range, bool verbose) {
  Arena *a = arena_new();
  size_t n;
  Revision **revs = spec_revisions(a, specs, &n);
  FindingList fl;
  findings_init(&fl);
  Graph *g = graph_build(revs, n, &fl);
  Revision **out = NULL;
  size_t nout = 0;
  RtError err = {0};
  bool ok = graph_history(g, range, &out, &nout, &err);
  cr_assert(ok, "graph_history(%s): %s", range ? range : "NULL", err.msg);
  Buf b = BUF_INIT;
  history_format(&b, g, out, nout, verbose, NULL, 0);
  char *text = xstrdup(buf_cstr(&b));
  buf_free(&b);
  free(out);
  graph_delete(g);
  findings_free(&fl);
  arena_delete(a);
  return text;
}

static void check(const Spec *specs, const char *range, bool verbose, const char *want) {
  char *got = history_of(specs, range, verbose);
  cr_expect_str_eq(got, want, "history %s%s:\n--- got\n%s--- want\n%s", range ? range : "",
                   verbose ? " --verbose" : "", got, want);
  free(got);
}

Test(history, merge2_plain) { check(MERGE2, NULL, false, MERGE2_plain); }
Test(history, merge2_verbose) { check(MERGE2, NULL, true, MERGE2_verbose); }
Test(history, merge2_range) { check(MERGE2, "d0000000000c:d0000000000f", false, MERGE2_r0); }
Test(history, depends_plain) { check(DEPENDS, NULL, false, DEPENDS_plain); }
Test(history, depends_verbose) { check(DEPENDS, NULL, true, DEPENDS_verbose); }
Test(history, depends_label_range) {
  check(DEPENDS, "shopping@base:shopping@head", false, DEPENDS_r0);
}
Test(history, effective_head) { check(EFFECTIVE, NULL, false, EFFECTIVE_plain); }
Test(history, effective_head_verbose) { check(EFFECTIVE, NULL, true, EFFECTIVE_verbose); }
Test(history, labels_plain) { check(LABELS, NULL, false, LABELS_plain); }
Test(history, labels_verbose) { check(LABELS, NULL, true, LABELS_verbose); }
Test(history, labels_branch_range) { check(LABELS, "billing@base:billing@head", false, LABELS_r0); }
Test(history, labels_open_range) { check(LABELS, "bb22bb22:", false, LABELS_r1); }
Test(history, merge3_plain) { check(MERGE3, NULL, false, MERGE3_plain); }
Test(history, merge3_verbose) { check(MERGE3, NULL, true, MERGE3_verbose); }
Test(history, merge3_range) { check(MERGE3, "e3bb:e7ff", false, MERGE3_r0); }

Test(history, current_indicator_and_single_entry) {
  Arena *a = arena_new();
  size_t n;
  Revision **revs = spec_revisions(a, MERGE2, &n);
  Graph *g = graph_build(revs, n, NULL);
  Revision **out;
  size_t nout;
  RtError err;
  cr_assert(graph_history(g, "d0000000000d:d0000000000e", &out, &nout, &err), "%s", err.msg);
  const char *cur[] = {"d0000000000d"};
  Buf b = BUF_INIT;
  history_format(&b, g, out, nout, false, cur, 1);
  cr_expect_str_eq(buf_cstr(&b),
                   "d0000000000d, d0000000000c -> d0000000000e (mergepoint), merge x and y\n"
                   "d0000000000b -> d0000000000d (current), feature x part 2\n");
  buf_reset(&b);
  history_format_entry(&b, g, out[1], true, true);
  cr_expect(strncmp(buf_cstr(&b), "Rev: d0000000000d (current)\nParent: d0000000000b\n", 46) == 0,
            "%s", buf_cstr(&b));
  free(out);
  buf_free(&b);
  graph_delete(g);
  arena_delete(a);
}

/* alembic heads: short form without parents or doc; "(effective head)" for a head that
 * another revision depends on. */
Test(history, heads_text) {
  Arena *a = arena_new();
  size_t n;
  Revision **revs = spec_revisions(a, DEPENDS, &n);
  Graph *g = graph_build(revs, n, NULL);
  Buf b = BUF_INIT;
  history_format_heads(&b, g, false);
  cr_expect_str_eq(buf_cstr(&b), "f0000003 (networking) (head)\n"
                                 "f1000003 (shopping) (head)\n"
                                 "f2000001 (head)\n");
  graph_delete(g);
  revs = spec_revisions(a, EFFECTIVE, &n);
  g = graph_build(revs, n, NULL);
  buf_reset(&b);
  history_format_heads(&b, g, false);
  cr_expect_str_eq(buf_cstr(&b), "b2c3d4e5 (effective head)\nc3d4e5f6 (head)\n");
  buf_free(&b);
  graph_delete(g);
  arena_delete(a);
}

/* A docstring without "\n\n" is its own message; an empty one prints as "" and as an
 * empty indented block; str.splitlines() boundaries (\r\n, \f) split verbose lines. */
Test(history, docstring_edges) {
  static const Spec specs[] = {
      {"aaaa1111", "", "", "", "", "/p/a.py"},
      {"bbbb2222", "aaaa1111", "", "", "one line\r\nsecond\fthird", "/p/b.py"},
      {0}};
  check(specs, NULL, false,
        "aaaa1111 -> bbbb2222 (head), one line\r\nsecond\fthird\n"
        "<base> -> aaaa1111, \n");
  check(specs, NULL, true,
        "Rev: bbbb2222 (head)\nParent: aaaa1111\nPath: /p/b.py\n\n"
        "    one line\n    second\n    third\n\n"
        "Rev: aaaa1111\nParent: <base>\nPath: /p/a.py\n\n\n\n");
}
