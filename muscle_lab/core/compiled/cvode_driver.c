/* The compiled engine's CVODE loop in C: SUNDIALS' CVODE (BDF, dense linear solver) calling
 * the model's generated derivative and grouped-difference Jacobian (c_entry.py) through
 * function pointers, with the same settings scikit-sundae's CVODE gets from the engine. What
 * scikit-sundae did in Python at each callback (wrapping vectors as arrays, ~15-20 us a call)
 * is gone; the arithmetic is the same, so the trajectories are the same to the last bit.
 *
 * Built by muscle_lab.core.compiled.driver against the SUNDIALS libraries scikit-sundae's wheel
 * ships (the prototypes below are SUNDIALS 7's, with sunindextype int as that build has it). */
#include <stdlib.h>

typedef double sunrealtype;
typedef int sunindextype;
typedef struct _N_Vector *N_Vector;
typedef struct _SUNMatrix *SUNMatrix;
typedef struct _SUNLinearSolver *SUNLinearSolver;
typedef struct _SUNContext *SUNContext;
typedef int (*CVRhsFn)(sunrealtype, N_Vector, N_Vector, void *);
typedef int (*CVLsJacFn)(sunrealtype, N_Vector, N_Vector, SUNMatrix, void *, N_Vector, N_Vector, N_Vector);

extern int SUNContext_Create(int comm, SUNContext *ctx);
extern int SUNContext_Free(SUNContext *ctx);
extern int SUNContext_ClearErrHandlers(SUNContext ctx);
extern N_Vector N_VNew_Serial(sunindextype length, SUNContext ctx);
extern void N_VDestroy(N_Vector v);
extern sunrealtype *N_VGetArrayPointer(N_Vector v);
extern SUNMatrix SUNDenseMatrix(sunindextype rows, sunindextype columns, SUNContext ctx);
extern sunrealtype *SUNDenseMatrix_Data(SUNMatrix a);
extern void SUNMatDestroy(SUNMatrix a);
extern SUNLinearSolver SUNLinSol_Dense(N_Vector y, SUNMatrix a, SUNContext ctx);
extern int SUNLinSolFree(SUNLinearSolver solver);
extern void *CVodeCreate(int method, SUNContext ctx);
extern int CVodeInit(void *mem, CVRhsFn f, sunrealtype t0, N_Vector y0);
extern int CVodeSStolerances(void *mem, sunrealtype rtol, sunrealtype atol);
extern int CVodeSetUserData(void *mem, void *data);
extern int CVodeSetLinearSolver(void *mem, SUNLinearSolver solver, SUNMatrix a);
extern int CVodeSetJacFn(void *mem, CVLsJacFn jac);
extern int CVodeSetMaxOrd(void *mem, int order);
extern int CVodeSetMaxNumSteps(void *mem, long steps);
extern int CVodeSetStopTime(void *mem, sunrealtype tstop);
extern int CVodeClearStopTime(void *mem);
extern int CVode(void *mem, sunrealtype tout, N_Vector y, sunrealtype *tret, int task);
extern void CVodeFree(void **mem);
extern char *CVodeGetReturnFlagName(long flag);

enum { CV_BDF = 2, CV_NORMAL = 1, SUN_COMM_NULL = 0 };

typedef int (*RhsInto)(const double *x, const double *e, double *out);
typedef int (*JacobianInto)(const double *x, const double *e, const double *f0, double *jac, long long n,
                            const long long *colour, long long colours, const long long *colind,
                            const long long *row, double relative_step);

typedef struct {
  SUNContext ctx;
  void *mem;
  N_Vector y;
  SUNMatrix a;
  SUNLinearSolver solver;
  RhsInto rhs;
  JacobianInto jacobian;
  const double *excitation; /* the engine's applied excitations: read at every call */
  long long n, colours;
  const long long *colour, *colind, *row;
  double relative_step, rtol, atol;
  int max_order;
  long max_steps;
  double *row_major; /* the Jacobian as c_entry writes it */
  long long evaluations;
} Driver;

static int rhs_callback(sunrealtype t, N_Vector y, N_Vector ydot, void *data) {
  Driver *d = (Driver *)data;
  (void)t;
  d->evaluations += 1;
  return d->rhs(N_VGetArrayPointer(y), d->excitation, N_VGetArrayPointer(ydot)) ? -1 : 0;
}

static int jacobian_callback(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix jac, void *data, N_Vector t1,
                             N_Vector t2, N_Vector t3) {
  Driver *d = (Driver *)data;
  long long n = d->n;
  (void)t, (void)t1, (void)t2, (void)t3;
  d->evaluations += d->colours;
  if (d->jacobian(N_VGetArrayPointer(y), d->excitation, N_VGetArrayPointer(fy), d->row_major, n, d->colour,
                  d->colours, d->colind, d->row, d->relative_step))
    return -1;
  sunrealtype *column_major = SUNDenseMatrix_Data(jac);
  for (long long i = 0; i < n; ++i)
    for (long long j = 0; j < n; ++j) column_major[j * n + i] = d->row_major[i * n + j];
  return 0;
}

static void release_solver(Driver *d) {
  if (d->mem) CVodeFree(&d->mem);
  if (d->solver) SUNLinSolFree(d->solver);
  if (d->a) SUNMatDestroy(d->a);
  if (d->y) N_VDestroy(d->y);
  d->mem = NULL, d->solver = NULL, d->a = NULL, d->y = NULL;
}

void driver_free(Driver *d) {
  if (!d) return;
  release_solver(d);
  if (d->ctx) SUNContext_Free(&d->ctx);
  free(d->row_major);
  free(d);
}

Driver *driver_new(long long n, RhsInto rhs, JacobianInto jacobian, const double *excitation,
                   const long long *colour, long long colours, const long long *colind, const long long *row,
                   double relative_step, double rtol, double atol, int max_order, long max_steps) {
  Driver *d = (Driver *)calloc(1, sizeof(Driver));
  if (!d) return NULL;
  d->n = n, d->rhs = rhs, d->jacobian = jacobian, d->excitation = excitation;
  d->colour = colour, d->colours = colours, d->colind = colind, d->row = row;
  d->relative_step = relative_step, d->rtol = rtol, d->atol = atol;
  d->max_order = max_order, d->max_steps = max_steps;
  d->row_major = (double *)malloc(sizeof(double) * n * n);
  if (!d->row_major || SUNContext_Create(SUN_COMM_NULL, &d->ctx) != 0) {
    driver_free(d);
    return NULL;
  }
  SUNContext_ClearErrHandlers(d->ctx); /* failures come back as flags, said by the engine */
  return d;
}

/* A fresh solver at (t0, y0): no history, as a new scikit-sundae CVODE and init_step. */
int driver_start(Driver *d, double t0, const double *y0) {
  release_solver(d);
  d->y = N_VNew_Serial((sunindextype)d->n, d->ctx);
  d->a = SUNDenseMatrix((sunindextype)d->n, (sunindextype)d->n, d->ctx);
  if (!d->y || !d->a) return -100;
  double *y = N_VGetArrayPointer(d->y);
  for (long long i = 0; i < d->n; ++i) y[i] = y0[i];
  d->mem = CVodeCreate(CV_BDF, d->ctx);
  if (!d->mem) return -101;
  int flag = CVodeSetUserData(d->mem, d);
  if (!flag) flag = CVodeInit(d->mem, rhs_callback, t0, d->y);
  if (!flag) flag = CVodeSStolerances(d->mem, d->rtol, d->atol);
  if (!flag) {
    d->solver = SUNLinSol_Dense(d->y, d->a, d->ctx);
    if (!d->solver) return -102;
    flag = CVodeSetLinearSolver(d->mem, d->solver, d->a);
  }
  if (!flag) flag = CVodeSetJacFn(d->mem, jacobian_callback);
  if (!flag) flag = CVodeSetMaxOrd(d->mem, d->max_order);
  if (!flag) flag = CVodeSetMaxNumSteps(d->mem, d->max_steps);
  return flag;
}

/* Integrate to `end`, stopping exactly there; the state into `out`. CVODE's flag (>= 0: done). */
int driver_step(Driver *d, double end, double *out) {
  sunrealtype reached = 0;
  int flag = CVodeSetStopTime(d->mem, end);
  if (flag >= 0) flag = CVode(d->mem, end, d->y, &reached, CV_NORMAL);
  CVodeClearStopTime(d->mem);
  const double *y = N_VGetArrayPointer(d->y);
  for (long long i = 0; i < d->n; ++i) out[i] = y[i];
  return flag;
}

long long driver_evaluations(const Driver *d) { return d->evaluations; }

const char *driver_flag_name(long flag) { return CVodeGetReturnFlagName(flag); }
