// The only place recd includes OpenBLAS: CBLAS for sgemm and the LAPACK symbols the
// recommender's EASE fit needs (Cholesky factorisation and solve), declared here because
// Debian's libopenblas-dev ships them without a LAPACKE header in the pkg-config include path.
#include <cblas.h>

void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info);
void spotri_(const char *uplo, const int *n, float *a, const int *lda, int *info);
void spotrs_(const char *uplo, const int *n, const int *nrhs, const float *a, const int *lda,
             float *b, const int *ldb, int *info);
