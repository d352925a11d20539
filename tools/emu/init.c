/* PID 1 of the emulated machine (tools/avx512-emu): run /test with the environment the kernel
 * built from its command line, print its exit status between markers the host looks for, then
 * power off. The console is a serial port, so drain it before powering off or the tail is lost. */
#include <stdio.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

extern char **environ;

int main(void) {
    printf("SIMDPOOL-EMU-BEGIN\n");
    fflush(stdout);
    char *argv[] = {"/test", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        execve("/test", argv, environ);
        perror("execve /test");
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) status = 126 << 8;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("\nSIMDPOOL-EMU-EXIT %d\n", code);
    fflush(stdout);
    tcdrain(STDOUT_FILENO);
    sleep(1);
    sync();
    reboot(RB_POWER_OFF);
    for (;;) pause();
}
