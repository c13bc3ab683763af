@echo off
rem Runs the mtd command line of this installation: on the Java runtime in runtime\ when the archive carries one,
rem else on %JAVA_HOME%'s java, else on the java on the PATH (Java 17 or newer). MTD_JAVA_OPTS: e.g. -Xmx512m.
rem One-line ifs, not ( ) blocks: a JAVA_HOME under "C:\Program Files (x86)" would end a block early.
setlocal
set "MTD_HOME=%~dp0.."
set "JAVA=java"
if defined JAVA_HOME set "JAVA=%JAVA_HOME%\bin\java.exe"
if exist "%MTD_HOME%\runtime\bin\java.exe" set "JAVA=%MTD_HOME%\runtime\bin\java.exe"
"%JAVA%" %MTD_JAVA_OPTS% -cp "%MTD_HOME%\lib\*" io.mtd.cli.Mtd %*
exit /b %ERRORLEVEL%
